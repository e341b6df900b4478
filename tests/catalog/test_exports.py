"""`nianbao export`: the catalog's tables as CSV, JSON and Parquet files analysts can open."""

import csv
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from catalog.db import open_catalog
from catalog.exports import ExportError, export_tables
from nianbao.cli import main
from tests.catalog.sample import build_sample_catalog


@pytest.fixture
def data_dir(tmp_path):
    return build_sample_catalog(tmp_path / "data")


def _export(data_dir, out, fmt):
    result = CliRunner().invoke(main, ["export", "--data", str(data_dir), "--as-of", "2026-02-15",
                                       "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def test_parquet_keeps_rows_and_types(data_dir, tmp_path):
    output = _export(data_dir, tmp_path / "out", "parquet")
    status = pq.read_table(tmp_path / "out" / "status.parquet").to_pylist()
    db = open_catalog(data_dir)
    assert len(status) == db.table("status").count > 0
    assert f"status.parquet ({len(status)} rows)" in output
    late = next(r for r in status if r["agency_id"] == "b" and r["year"] == 2024)
    assert late["status"] == "late" and late["days_late"] == 3  # an integer, not "3"
    assert json.loads(late["evidence"])[0]["offset"] == 200
    schema = pq.read_schema(tmp_path / "out" / "reports.parquet")
    assert str(schema.field("year").type) == "int64"
    assert not list((tmp_path / "out").glob("*.part"))


def test_csv_and_json_agree_with_the_catalog(data_dir, tmp_path):
    _export(data_dir, tmp_path / "csv", "csv")
    _export(data_dir, tmp_path / "json", "json")
    with open(tmp_path / "csv" / "reports.csv", encoding="utf-8", newline="") as fh:
        from_csv = list(csv.DictReader(fh))
    from_json = json.loads((tmp_path / "json" / "reports.json").read_text(encoding="utf-8"))
    db = open_catalog(data_dir)
    assert len(from_csv) == len(from_json) == db.table("reports").count
    assert {r["report_id"] for r in from_csv} == {r["report_id"] for r in from_json}
    assert json.loads((tmp_path / "json" / "report_tables.json").read_text()) == list(
        db.table("report_tables").rows)


def test_export_errors_name_the_problem(data_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="file"):
        export_tables(open_catalog(data_dir), blocker / "out", "csv")
    with pytest.raises(ExportError, match="unknown export format"):
        export_tables(open_catalog(data_dir), tmp_path / "o", "xml")
    result = CliRunner().invoke(main, ["export", "--data", str(tmp_path / "none"),
                                       "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "no catalog yet" in result.output
