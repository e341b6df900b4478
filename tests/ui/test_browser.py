"""A person's path through the UI, in a real Chromium (Debian's, driven by Playwright).

Screenshots of each step land in tests/artifacts/ (git-ignored) for review.
"""

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True)
        yield context.new_page()
        browser.close()


def test_coverage_grid_to_agency_list(ui, page):
    page.goto(ui + "/-/coverage")
    page.screenshot(path=ARTIFACTS / "ui-1-coverage.png", full_page=True)
    cell = page.locator('td[data-status="missing"][data-year="2024"] a')
    cell.click()
    page.wait_for_load_state()
    page.screenshot(path=ARTIFACTS / "ui-2-missing-agencies.png", full_page=True)
    assert "status_view" in page.url
    body = page.inner_text("body")
    assert "洪泽区教育局" in body and "洪泽区财政局" not in body


def test_stored_query_and_csv_download(ui, page):
    page.goto(ui + "/catalog/late_reports")
    page.fill('input[name="year"]', "2024")
    page.click('input[type="submit"]')
    page.wait_for_load_state()
    page.screenshot(path=ARTIFACTS / "ui-3-late-query.png", full_page=True)
    assert "洪泽区财政局" in page.inner_text("body")
    href = page.get_attribute('a:text-is("CSV")', "href")
    response = page.request.get(ui + href if href.startswith("/") else href)
    assert response.ok and "text/plain" in response.headers["content-type"] or "csv" in href
    lines = response.text().splitlines()
    assert lines[0].startswith("year,region_code,agency")
    assert any("洪泽区财政局" in line for line in lines[1:])


def test_full_text_search_of_reports(ui, page):
    page.goto(ui + "/catalog/reports")
    page.fill('input[name="_search"]', "财政局")
    page.press('input[name="_search"]', "Enter")
    page.wait_for_load_state()
    page.screenshot(path=ARTIFACTS / "ui-4-search.png", full_page=True)
    body = page.inner_text("body")
    assert "1 row" in body and "洪泽区财政局2024年" in body and "洪泽区民政局2024年" not in body
