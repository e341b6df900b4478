"""``nianbao sandbox registry|truth`` and the shipped registries."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from nianbao.cli import main

REGISTRIES = Path(__file__).parents[2] / "registries"
HEADER = ["agency_id", "name", "region_code", "level", "kind", "portal_url", "report_url", "render"]


def test_registry_command_matches_the_shipped_sandbox_registry():
    result = CliRunner().invoke(main, ["sandbox", "registry"])
    assert result.exit_code == 0, result.output
    assert result.output == (REGISTRIES / "sandbox.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == HEADER
    assert any(r["report_url"] for r in rows) and any(not r["report_url"] for r in rows)
    county_depts = [r for r in rows if r["level"] == "county" and r["kind"] == "department"]
    assert county_depts and all(r["portal_url"].startswith("http://www.") for r in county_depts)


def test_truth_command_json_and_csv():
    runner = CliRunner()
    as_json = runner.invoke(main, ["sandbox", "truth", "--as-of", "2022-05-01", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert rows and {r["expected_status"] for r in rows} >= {"on_time", "missing"}
    as_csv = runner.invoke(main, ["sandbox", "truth", "--as-of", "2022-05-01", "--format", "csv"])
    assert len(list(csv.DictReader(io.StringIO(as_csv.output)))) == len(rows)


def test_bad_options_say_what_is_wrong():
    runner = CliRunner()
    bad_date = runner.invoke(main, ["sandbox", "truth", "--as-of", "yesterday"])
    assert bad_date.exit_code != 0 and "YYYY-MM-DD" in bad_date.output
    bad_size = runner.invoke(main, ["sandbox", "registry", "--size", "enormous"])
    assert bad_size.exit_code != 0 and "<N>-agencies" in bad_size.output


def test_examples_registry_lists_the_seed_agencies():
    rows = list(csv.DictReader((REGISTRIES / "examples.csv").open(encoding="utf-8")))
    assert list(rows[0]) == HEADER
    names = {r["name"] for r in rows}
    assert {"吴忠市民政局", "聊城市民政局", "吴忠市利通区人民政府办公室"} <= names
    for r in rows:
        assert len(r["region_code"]) == 6 and r["portal_url"].startswith("http")
