"""``nianbao serve`` right after ``nianbao index``: the indexer drops status as stale and the
read-only UI cannot compute it, so serve computes it (as of today) before Datasette starts,
instead of showing empty status pages and an empty coverage grid."""

from __future__ import annotations

import json

from catalog.compute import clear_status
from catalog.db import open_catalog
from tests.catalog.sample import build_sample_catalog
from tests.ui.conftest import get, nianbao_serve


def test_serve_computes_status_that_indexing_dropped(tmp_path):
    build_sample_catalog(tmp_path)
    db = open_catalog(tmp_path)
    clear_status(db)  # what `nianbao index` does when anything new was indexed
    db.conn.commit()
    assert db.table("status").count == 0 and db.table("coverage_counts").count == 0
    db.close()
    with nianbao_serve(tmp_path) as base:
        rows = json.loads(get(base + "/catalog/status.json?_shape=array&agency_id=c")[1])
        grid = get(base + "/-/coverage")[1]
    assert {r["year"]: r["status"] for r in rows}[2024] == "missing"
    assert 'data-status="missing"' in grid
