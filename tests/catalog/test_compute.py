"""Status rows computed from a catalog, with their evidence, and the `nianbao status` contract."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from catalog.compute import compute_status
from catalog.db import open_catalog
from catalog.queries import status_rows
from nianbao.cli import main

AS_OF = dt.date(2026, 2, 15)


def agency(aid, name, kind="department", level="county"):
    return {"agency_id": aid, "name": name, "region_code": "320813", "level": level,
            "kind": kind, "portal_url": "http://www.hz.gov.test/", "since": 2024}


def capture(rid, url, when, crawl="c2", agency_id=None, role="page", status=200):
    return {"record_id": rid, "url": url, "host": "www.hz.gov.test", "captured_at": when,
            "record_type": "response", "status": status, "warc_file": "A.warc.gz",
            "offset": int(rid[1:]) * 100, "length": 99, "crawl_id": crawl,
            "agency_id": agency_id, "role": role, "digest": "sha1:" + rid}


def report(aid, year, url, rid, first_seen, published=None, source=None):
    return {"report_id": f"{aid}:{year}", "agency_id": aid, "year": year, "url": url,
            "record_id": rid, "first_seen": first_seen, "last_seen": first_seen,
            "published": published, "published_source": source, "attachments": "[]",
            "withdrawn": 0, "changed": 0, "digest": "sha1:" + rid, "title": "t"}


@pytest.fixture
def data_dir(tmp_path):
    db = open_catalog(tmp_path)
    db["agencies"].insert_all([
        agency("a", "洪泽区民政局"), agency("b", "洪泽区财政局"), agency("c", "洪泽区教育局"),
        agency("d", "洪泽区水利局"), agency("gov", "洪泽区人民政府", kind="government"),
    ])
    db["crawl_seeds"].insert_all([
        {"crawl_id": "c2", "agency_id": x, "crawled_at": "2026-02-10T00:00:00+00:00",
         "complete": 1, "status": "complete"} for x in ("a", "b", "c", "gov")
    ] + [{"crawl_id": "c2", "agency_id": "d", "crawled_at": "2026-02-10T00:00:00+00:00",
          "complete": 0, "status": "challenged", "reason": "challenged (412)"}])
    db["captures"].insert_all([
        capture("r1", "http://www.hz.gov.test/a/2024.html", "2025-01-20T08:00:00Z"),
        capture("r2", "http://www.hz.gov.test/b/2024.html", "2025-02-20T08:00:00Z"),
        capture("r3", "http://www.hz.gov.test/nb/index.html", "2026-02-10T00:00:00Z",
                agency_id="c", role="list"),
    ])
    db["reports"].insert_all([
        report("a", 2024, "http://www.hz.gov.test/a/2024.html", "r1", "2025-01-20T08:00:00Z",
               "2025-01-18", "meta_pubdate"),
        report("b", 2024, "http://www.hz.gov.test/b/2024.html", "r2", "2025-02-20T08:00:00Z",
               "2025-02-03", "page_date"),
    ])
    return tmp_path


def test_each_status_with_its_evidence(data_dir):
    db = open_catalog(data_dir)
    compute_status(db, as_of=AS_OF)
    rows = {(r["agency_id"], r["year"]): r for r in status_rows(db, as_of=AS_OF)}
    assert rows[("a", 2024)]["status"] == "on_time"
    assert rows[("a", 2024)]["evidence"]["record_id"] == "r1"
    assert (rows[("b", 2024)]["status"], rows[("b", 2024)]["days_late"]) == ("late", 3)
    assert rows[("c", 2024)]["status"] == "missing"
    assert rows[("c", 2024)]["evidence"]["url"].endswith("/nb/index.html")  # the listing
    assert rows[("d", 2024)]["status"] == "unverified"
    assert "412" in rows[("d", 2024)]["reason"]
    assert rows[("gov", 2025)]["status"] == "not_due"  # governments: 31 March
    assert rows[("a", 2025)]["status"] == "missing"  # departments: 31 January
    assert rows[("a", 2024)]["deadline"] == "2025-01-31"


def test_status_cli_json_contract(data_dir):
    result = CliRunner().invoke(
        main, ["status", "--data", str(data_dir), "--as-of", "2026-02-15", "--format", "json",
               "--region", "3208", "--year", "2024"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["agency_id"] for r in rows} == {"a", "b", "c", "d", "gov"}
    for key in ("agency_id", "agency_name", "region_code", "year", "status", "deadline",
                "published", "published_source", "first_seen", "url", "evidence"):
        assert key in rows[0]
    late = next(r for r in rows if r["agency_id"] == "b")
    assert late["evidence"]["warc_file"] == "A.warc.gz" and late["evidence"]["offset"] == 200


def test_status_filters(data_dir):
    db = open_catalog(data_dir)
    assert {r["agency_id"] for r in status_rows(db, as_of=AS_OF, status="missing", year=2024)} == {"c", "gov"}
    assert status_rows(db, as_of=AS_OF, region="6403") == []


def test_status_table_prints_every_agency(data_dir):
    result = CliRunner().invoke(main, ["status", "--data", str(data_dir), "--as-of", "2026-02-15"])
    assert result.exit_code == 0, result.output
    assert "洪泽区财政局" in result.output and "late +3d" in result.output
