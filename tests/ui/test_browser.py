"""A watchdog's path through the UI of the demo catalog, in a real Chromium (Debian's, driven by
Playwright) against ``nianbao serve --replay``: coverage grid → a missing cell → the agencies
behind it → an agency's history → its archived report replayed by pywb; a stored query and its
CSV file; a full-text search of report text.

What each page must show is worked out from ``nianbao status`` and the catalog, never written
in: the demo's universe can change without these tests changing. Screenshots of each step land
in tests/artifacts/ (git-ignored) for review.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import urllib.parse
from collections import defaultdict
from pathlib import Path

import pytest

from catalog.db import catalog_path

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# the demo catalog is built once per session in the first test's setup: a crawl and an index
# of the small sandbox universe (about 1.5 min on an idle 2-core machine, far more when busy)
pytestmark = [pytest.mark.browser, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def shot(page, name: str, full_page: bool = True) -> None:
    page.screenshot(path=ARTIFACTS / f"demo-{name}.png", full_page=full_page)


def catalog(demo) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{catalog_path(demo.data)}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def html_reports(demo) -> dict[tuple[str, int], str]:
    """(agency, year) → title, for reports archived as HTML pages (their text is in the page)."""
    with catalog(demo) as conn:
        return {(r["agency_id"], r["year"]): r["title"] for r in conn.execute(
            "select r.agency_id, r.year, r.title from reports r join documents d using (digest) "
            "where d.format = 'html' and r.title != ''")}


def missing_target(demo) -> tuple[str, int, str]:
    """A county-level division and year with missing reports, one of whose agencies has an
    archived HTML report in another year: (division code, year, that agency)."""
    reports = html_reports(demo)
    by_cell: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for row in demo.rows:
        if row["status"] == "missing":
            by_cell[(row["region_code"], row["year"])].append(row)
    for (region, year), rows in sorted(by_cell.items()):
        for row in rows:
            if any(a == row["agency_id"] for a, _ in reports):
                return region, year, row["agency_id"]
    raise AssertionError("the demo catalog has no missing report of an agency with a report")


def expected_missing(demo, prefix: str, year: int) -> list[str]:
    return sorted(r["agency_name"] for r in demo.rows if r["status"] == "missing"
                  and r["region_code"].startswith(prefix) and r["year"] == year)


def division_prefix(code: str) -> str:
    """What a division code stands for in the stored queries: itself and everything in it."""
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


def test_demo_catalog_has_every_status_a_watchdog_looks_for(demo):
    statuses = {r["status"] for r in demo.rows}
    assert {"on_time", "late", "missing", "unverified"} <= statuses
    print(f"demo catalog built in {demo.build_seconds:.0f} s")  # shown with -s / -rA


def test_coverage_grid_drills_down_to_the_missing_agencies(demo, page):
    region, year, _ = missing_target(demo)
    page.goto(demo.base + "/-/coverage")
    shot(page, "1-coverage-provinces")
    for width in (2, 4):
        page.click(f'th a[href="?parent={region[:width]}"]')
        page.wait_for_load_state()
    shot(page, "2-coverage-counties")
    cell = page.locator(f'td[data-year="{year}"] a[href*="region_code__startswith={region}&"]')
    assert cell.locator("xpath=..").get_attribute("data-status") == "missing"
    cell.click()
    page.wait_for_load_state()
    shot(page, "3-missing-agencies")
    names = sorted(page.locator("td.col-agency_name").all_inner_texts())
    assert names == expected_missing(demo, region, year)
    assert set(page.locator("td.col-status").all_inner_texts()) == {"missing"}


def test_agency_history_opens_the_archived_report_in_replay(demo, page):
    region, year, agency = missing_target(demo)
    reports = html_reports(demo)
    page.goto(demo.base + "/catalog/status_view?" + urllib.parse.urlencode(
        {"region_code__startswith": region, "year": year, "status": "missing"}))
    page.click(f'a.history:text-is("{agency}")')
    page.wait_for_load_state()
    shot(page, "4-agency-history")
    history = {r["year"]: r for r in demo.rows if r["agency_id"] == agency}
    years = [int(y) for y in page.locator("td.col-year").all_inner_texts()]
    assert years == sorted(history)
    shown_year, title = next((y, reports[(agency, y)]) for y in sorted(history)
                             if (agency, y) in reports and history[y]["evidence"])
    row = page.locator("tbody tr").filter(has=page.locator(f'td.col-year:text-is("{shown_year}")'))
    assert row.locator("td.col-status").inner_text() == history[shown_year]["status"]
    evidence = history[shown_year]["evidence"]
    assert f"{evidence['warc_file']}#{evidence['offset']}" in row.inner_text()
    with page.expect_navigation():
        row.locator("a.replay").first.click()
    page.wait_for_load_state()
    page.wait_for_function(
        "t => [...document.querySelectorAll('iframe')].some(f => f.contentDocument && "
        "f.contentDocument.body && f.contentDocument.body.innerText.includes(t))",
        arg=title, timeout=60_000)
    shot(page, "5-replay")
    assert evidence["url"] in page.url


def test_stored_query_and_its_csv_download(demo, page):
    region, year, _ = missing_target(demo)
    expected = expected_missing(demo, division_prefix(region), year)
    page.goto(demo.base + "/catalog/missing_reports")
    page.fill('input[name="year"]', str(year))
    page.fill('input[name="region"]', region)
    page.click('input[type="submit"]')
    page.wait_for_load_state()
    shot(page, "6-missing-query")
    assert sorted(page.locator("td.col-agency").all_inner_texts()) == expected
    with page.expect_download() as download:
        page.click("a.download-csv")
    saved = ARTIFACTS / "demo-missing_reports.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert sorted(r["agency"] for r in rows) == expected
    assert {r["year"] for r in rows} == {str(year)}


def test_full_text_search_of_report_text(demo, page):
    with catalog(demo) as conn:
        names = [r[0] for r in conn.execute(
            "select distinct a.name from reports r join agencies a using (agency_id) "
            "order by a.name")]
        docs = conn.execute("select title, text from documents where is_report = 1").fetchall()
    # an agency's name, as a watchdog would type it, found in some reports and not in others
    phrase, hits = next((n, k) for n in names
                        if 0 < (k := sum(n in (d["text"] or "") or n in (d["title"] or "")
                                         for d in docs)) < len(docs))
    page.goto(demo.base + "/catalog/documents?is_report=1")
    page.fill('input[name="_search"]', phrase)
    page.press('input[name="_search"]', "Enter")
    page.wait_for_load_state()
    shot(page, "7-search", full_page=False)  # rows hold whole report texts
    assert "_search=" in page.url and "is_report" in page.url  # the filter is kept
    body = page.inner_text("body")
    assert re.search(rf"\b{hits:,} rows? where", body), f"{phrase!r} is in {hits} reports"
