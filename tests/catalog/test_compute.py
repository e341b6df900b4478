"""Status rows computed from a catalog, with their evidence, and the `nianbao status` contract."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from catalog.compute import compute_status
from catalog.db import open_catalog
from catalog.queries import status_rows
from nianbao.cli import main
from tests.catalog.sample import build_sample_catalog

AS_OF = dt.date(2026, 2, 15)


@pytest.fixture
def data_dir(tmp_path):
    return build_sample_catalog(tmp_path)


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


def test_a_report_copied_from_last_year_is_flagged_duplicate_text(data_dir):
    from tests.catalog.sample import capture, report

    db = open_catalog(data_dir)
    body = ("洪泽区民政局{y}年政府信息公开工作年度报告。本年度主动公开政府信息{n}条，"
            "受理依申请公开{m}件，全部按期答复。") * 20
    db["captures"].insert_all([
        capture("r7", "http://www.hz.gov.test/a/2025.html", "2026-01-20T08:00:00Z"),
        capture("r8", "http://www.hz.gov.test/b/2025.html", "2026-01-21T08:00:00Z"),
    ])
    db["reports"].insert_all([
        report("a", "洪泽区民政局", 2025, "http://www.hz.gov.test/a/2025.html", "r7",
               "2026-01-20T08:00:00Z", "2026-01-19", "meta_pubdate"),
        report("b", "洪泽区财政局", 2025, "http://www.hz.gov.test/b/2025.html", "r8",
               "2026-01-21T08:00:00Z", "2026-01-19", "meta_pubdate"),
    ])
    db["documents"].insert_all([
        {"digest": "sha1:r1", "text": body.format(y=2024, n=120, m=8)},
        {"digest": "sha1:r7", "text": body.format(y=2025, n=131, m=5)},  # numbers changed only
        {"digest": "sha1:r2", "text": body.format(y=2024, n=50, m=2)},
        {"digest": "sha1:r8", "text": "洪泽区财政局2025年度报告：本年度重新编写，" * 30},
    ])
    compute_status(db, as_of=AS_OF)
    flags = {(r["agency_id"], r["year"]): r["flags"] for r in status_rows(db, as_of=AS_OF)}
    assert "duplicate_text" in flags[("a", 2025)]
    assert "duplicate_text" not in flags[("a", 2024)]  # nothing before it to copy
    assert "duplicate_text" not in flags[("b", 2025)]  # rewritten


def test_region_filter_takes_a_division_and_everything_in_it():
    from catalog.queries import division_prefix

    assert division_prefix("320000") == "32"
    assert division_prefix("320800") == "3208"
    assert division_prefix("320830") == "320830"  # not 32083: that would take in 320831
    assert division_prefix("3208") == "3208"


def test_status_region_filter_does_not_take_sibling_counties(data_dir):
    db = open_catalog(data_dir)
    db["agencies"].update("b", {"region_code": "320831"})
    db["agencies"].update("a", {"region_code": "320830"})
    got = {r["agency_id"] for r in status_rows(db, as_of=AS_OF, region="320830", year=2024)}
    assert got == {"a"}
    assert {"a", "b"} <= {r["agency_id"] for r in status_rows(db, as_of=AS_OF, region="320800")}
