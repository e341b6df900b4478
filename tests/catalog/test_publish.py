"""`nianbao publish`: a static site a watchdog can host, with evidence on every status."""

import csv

from click.testing import CliRunner

from nianbao.cli import main
from tests.catalog.sample import AS_OF_TEXT, build_sample_catalog


def test_publish_writes_pages_csv_and_database(tmp_path):
    data = build_sample_catalog(tmp_path / "data")
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["publish", "--data", str(data), "--as-of", AS_OF_TEXT,
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "淮安市" in index and 'href="regions/320813.html"' in index
    region = (out / "regions" / "320813.html").read_text(encoding="utf-8")
    assert "洪泽区财政局" in region and "late +3d" in region and "A.warc.gz#200" in region
    with open(out / "status_view.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["agency_id"], r["status"]) for r in rows if r["year"] == "2024"} >= {
        ("b", "late"), ("c", "missing"), ("d", "unverified")}
    assert (out / "catalog.db").stat().st_size > 0
    assert "<script" not in index and "http" not in index.split("</style>")[0]
