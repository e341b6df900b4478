"""One connection per host holds across redirects: a request redirected to another host waits in
*that* host's download slot, not in the slot of the host it came from."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.politeness import UrgentFirstDownloader
from crawler.render import BROWSER_SLOT


def _downloader() -> UrgentFirstDownloader:
    """The downloader's slot-key logic without a running reactor (its constructor needs one)."""
    dl = UrgentFirstDownloader.__new__(UrgentFirstDownloader)
    dl.ip_concurrency = 0
    return dl


def test_a_cross_host_redirect_waits_in_the_target_hosts_slot():
    dl = _downloader()
    source = Request("http://www.county.gov.test/xxgk/")
    key = dl.get_slot_key(source)
    source.meta["download_slot"] = key  # as Scrapy's downloader records it
    assert key == "www.county.gov.test"
    moved = Response(source.url, status=302, headers={"Location": "http://rsj.county.gov.test/xxgk/"},
                     request=source)
    mw = RedirectMiddleware.from_crawler(get_crawler())
    redirected = mw.process_response(source, moved)
    assert isinstance(redirected, Request)
    assert redirected.meta.get("download_slot") == "www.county.gov.test"  # Scrapy copied it …
    assert dl.get_slot_key(redirected) == "rsj.county.gov.test"  # … we do not use it


def test_named_slots_and_same_host_slots_are_kept():
    dl = _downloader()
    rendered = Request("http://www.county.gov.test/list.html", meta={"download_slot": BROWSER_SLOT})
    assert dl.get_slot_key(rendered) == BROWSER_SLOT
    retry = Request("http://www.county.gov.test/a.html", meta={"download_slot": "www.county.gov.test"})
    assert dl.get_slot_key(retry) == "www.county.gov.test"
