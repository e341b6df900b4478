"""``nianbao serve``'s promises about safety, checked on the real command: it binds to localhost
unless ``--host`` says otherwise, runs no write SQL, keeps crawlers out with robots.txt, and lets
the database file be downloaded only with ``--public`` (then from an immutable copy)."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
import urllib.request

import pytest

from catalog.db import catalog_path
from tests.ui.conftest import DIRECT, get, nianbao_serve


@pytest.fixture(scope="module")
def served(ui_data):
    with nianbao_serve(ui_data) as base:
        yield base


def reachable(url: str) -> bool:
    try:
        get(url, timeout=5)
        return True
    except OSError:
        return False


def status_count(base: str) -> int:
    q = urllib.parse.urlencode({"sql": "select count(*) as n from status"})
    return json.loads(get(base + f"/catalog.json?{q}&_shape=array")[1])[0]["n"]


def test_binds_to_localhost_only_by_default(served):
    port = urllib.parse.urlsplit(served).port
    assert reachable(served + "/-/versions.json")
    # another loopback address of this machine: a server bound to every interface answers it
    assert not reachable(f"http://127.0.0.2:{port}/-/versions.json")


def test_host_option_binds_where_asked(ui_data):
    with nianbao_serve(ui_data, "--host", "127.0.0.2", host="127.0.0.2") as base:
        port = urllib.parse.urlsplit(base).port
        assert reachable(base + "/-/versions.json")
        assert not reachable(f"http://127.0.0.1:{port}/-/versions.json")


@pytest.mark.parametrize("sql", [
    "delete from status",
    "update status set status = 'on_time'",
    "drop table status",
    "insert into agencies (agency_id) values ('x')",
])
def test_no_write_sql(served, ui_data, sql):
    before = status_count(served)
    q = urllib.parse.urlencode({"sql": sql})
    code, body = get(served + f"/catalog.json?{q}")
    assert code >= 400 or json.loads(body).get("ok") is False, body[:300]
    assert status_count(served) == before > 0
    with sqlite3.connect(catalog_path(ui_data)) as conn:
        assert conn.execute("select count(*) from agencies where agency_id = 'x'").fetchone()[0] == 0


def test_no_writable_stored_query(served):
    queries = json.loads(get(served + "/-/metadata.json")[1])["databases"]["catalog"]["queries"]
    assert queries and not any(q.get("write") for q in queries.values())


def test_robots_txt_keeps_crawlers_out(served):
    code, body = get(served + "/robots.txt")
    assert code == 200 and "User-agent: *" in body and "Disallow: /" in body


def test_database_file_is_not_downloadable_without_public(served):
    assert get(served + "/catalog.db")[0] in (403, 404)
    assert 'href="/catalog.db"' not in get(served + "/catalog")[1]


def test_public_serves_an_immutable_copy_that_can_be_downloaded(ui_data, tmp_path):
    with nianbao_serve(ui_data, "--public") as base:
        with DIRECT.open(base + "/catalog.db", timeout=30) as r:
            assert r.status == 200
            (tmp_path / "copy.db").write_bytes(r.read())
        databases = json.loads(get(base + "/-/databases.json")[1])
    assert databases[0]["is_mutable"] is False
    assert str(ui_data) not in databases[0]["path"]  # a copy, not the live catalog
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("select count(*) from status").fetchone()[0] > 0
