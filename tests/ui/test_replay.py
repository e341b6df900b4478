"""From a status row to the archived page, in a real Chromium: Datasette's evidence link opens
the report as pywb replays it from the WARC the crawler wrote."""

import datetime as dt
import subprocess
import time

import pytest

from archive.replay import ReplayServer
from catalog.compute import compute_status
from catalog.db import catalog_path, open_catalog
from catalog.indexer import index_data_dir
from nianbao.commands.serve import datasette_command
from tests.catalog.test_indexer import LIST, PAGE, REGISTRY, SEED, crawl, exchange, page_html
from tests.ui.conftest import free_port, get
from tests.ui.test_browser import ARTIFACTS, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from sandbox.seeds import load_seed

    data = tmp_path_factory.mktemp("replay-data")
    (data / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    content = load_seed(SEED)
    crawl(data, "c1", "2021-02-01T08:00:00+00:00", [
        exchange(LIST, b"<html><body>list</body></html>", "2021-02-01T08:00:00+00:00", "list"),
        exchange(PAGE, page_html(content, "2021-01-25 09:30"), "2021-02-01T08:00:01+00:00",
                 "page"),
    ])
    index_data_dir(data)
    compute_status(open_catalog(data), as_of=dt.date(2021, 6, 30))
    with ReplayServer(data) as replay:
        port = free_port()
        work = tmp_path_factory.mktemp("replay-work")
        cmd = datasette_command(catalog_path(data), host="127.0.0.1", port=port, public=False,
                                replay_url=f"http://127.0.0.1:{replay.port}/{replay.coll}",
                                workdir=work)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                get(base + "/-/versions.json", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield base, content
        proc.terminate()
        proc.wait(10)


def test_evidence_link_replays_the_archived_report(served):
    from playwright.sync_api import sync_playwright

    base, content = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(base + "/catalog/status_view?agency_id=640300-mzj&year=2020")
        assert "on_time" in page.inner_text("body")
        with page.expect_navigation():
            page.click("a.replay")
        page.wait_for_load_state()
        page.screenshot(path=ARTIFACTS / "ui-5-replay.png", full_page=True)
        replay_frame = next((f for f in page.frames if content.title in f.content()), None)
        assert replay_frame is not None, "the replayed page should show the report's title"
        assert "http://www.wuzhong.gov.test/" in page.url
        browser.close()
