"""The watchdog UI over HTTP: coverage grid, canned queries, evidence links, read-only."""

import json
import urllib.parse

from tests.ui.conftest import get


def test_coverage_grid_colours_cells_and_links_to_the_agency_list(ui):
    status, html = get(ui + "/-/coverage")
    assert status == 200
    assert "江苏省" in html  # provinces first, by name
    assert 'data-status="missing"' in html  # 2024: c is missing
    assert "/catalog/status_view?region_code__startswith=32&amp;year=2024&amp;status=missing" in html


def test_coverage_grid_drills_down_to_counties(ui):
    html = get(ui + "/-/coverage?parent=32")[1]
    assert "淮安市" in html and 'href="?parent=3208"' in html
    html = get(ui + "/-/coverage?parent=3208")[1]
    assert "洪泽区" in html and "region_code__startswith=320813&amp;year=2024" in html
    rows = json.loads(get(ui + "/catalog/status_view.json?_shape=array&year=2024"
                              "&region_code__startswith=320813&status=missing")[1])
    assert {r["agency_name"] for r in rows} == {"洪泽区教育局", "洪泽区人民政府"}


def test_missing_reports_query_with_form_fields_and_csv(ui):
    q = urllib.parse.urlencode({"year": "2024", "region": "320800"})
    status, body = get(ui + f"/catalog/missing_reports.json?{q}&_shape=array")
    assert status == 200
    agencies = {row["agency"] for row in json.loads(body)}
    assert agencies == {"洪泽区教育局", "洪泽区人民政府"}
    status, csv_text = get(ui + f"/catalog/missing_reports.csv?{q}")
    assert status == 200 and "洪泽区教育局" in csv_text


def test_status_rows_link_to_evidence_replay_and_cite_the_warc(ui):
    status, html = get(ui + "/catalog/status_view?agency_id=b")
    assert status == 200
    assert "A.warc.gz#200" in html
    assert "http://127.0.0.1:9/nianbao/20250220080000/http://www.hz.gov.test/b/2024.html" in html


def test_late_reports_by_days(ui):
    q = urllib.parse.urlencode({"year": "", "region": "", "min_days": "3"})
    rows = json.loads(get(ui + f"/catalog/late_reports.json?{q}&_shape=array")[1])
    assert [(r["agency"], r["days_late"]) for r in rows] == [("洪泽区财政局", 3)]


def test_status_rows_link_each_agency_to_its_history(ui):
    html = get(ui + "/catalog/status_view?agency_id=b")[1]
    assert 'href="/catalog/agency_history?agency_id=b"' in html
    rows = json.loads(get(ui + "/catalog/agency_history.json?agency_id=b&_shape=array")[1])
    assert rows and {r["year"] for r in rows} == {r["year"] for r in json.loads(
        get(ui + "/catalog/status.json?agency_id=b&_shape=array")[1])}


def test_stored_query_page_offers_a_csv_download(ui):
    html = get(ui + "/catalog/missing_reports?year=2024&region=320800")[1]
    assert ('class="download-csv" href="/catalog/missing_reports.csv?year=2024&amp;region=320800'
            '&amp;_size=max&amp;_dl=1"') in html


def test_tables_show_their_descriptions(ui):
    html = get(ui + "/catalog/status")[1]
    assert "Days after the deadline" in html and "逾期天数" in html


def test_region_field_means_a_division_and_everything_in_it(ui):
    def agencies(region: str) -> set[str]:
        q = urllib.parse.urlencode({"year": "2024", "region": region})
        return {r["agency"] for r in json.loads(
            get(ui + f"/catalog/missing_reports.json?{q}&_shape=array")[1])}

    everything = {"洪泽区教育局", "洪泽区人民政府"}
    assert agencies("320000") == agencies("3208") == agencies("320813") == everything
    assert agencies("") == everything
    assert agencies("320810") == set()  # another county of the city, not a prefix of 320813
    assert agencies("330000") == set()
