"""Conditional requests stay with the URL whose validators they carry: a redirect to another
URL drops them (that server would compare another document's ETag and date with its own),
and a retry of the same URL keeps them and counts once."""

from __future__ import annotations

import json

from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.conditional import ConditionalRequestMiddleware


def _middleware(tmp_path) -> ConditionalRequestMiddleware:
    old = tmp_path / "crawls" / "earlier"
    old.mkdir(parents=True)
    (old / "fetched.jsonl").write_text(json.dumps(
        {"url": "http://a.test/r.pdf", "status": 200, "etag": '"v1"',
         "last_modified": "Mon, 01 Jan 2024 00:00:00 GMT"}) + "\n", encoding="utf-8")
    crawler = get_crawler(settings_dict={"NIANBAO_DATA_DIR": str(tmp_path),
                                         "NIANBAO_CRAWL_ID": "now"})
    crawler.stats.open_spider(None)
    mw = ConditionalRequestMiddleware.from_crawler(crawler)
    mw.spider_opened(None)
    return mw


def test_redirect_to_another_url_drops_the_validators(tmp_path):
    mw = _middleware(tmp_path)
    first = Request("http://a.test/r.pdf", meta={"nb": {"role": "attachment"}})
    mw.process_request(first)
    assert first.headers[b"If-None-Match"] == b'"v1"'
    # what RedirectMiddleware does: the same request, headers and meta, at the new URL
    moved = first.replace(url="http://cdn.a.test/files/r.pdf")
    mw.process_request(moved)
    assert b"If-None-Match" not in moved.headers
    assert b"If-Modified-Since" not in moved.headers


def test_a_retry_keeps_the_validators_and_counts_once(tmp_path):
    mw = _middleware(tmp_path)
    first = Request("http://a.test/r.pdf", meta={"nb": {"role": "attachment"}})
    mw.process_request(first)
    retry = first.replace(dont_filter=True)
    mw.process_request(retry)
    assert retry.headers[b"If-None-Match"] == b'"v1"'
    assert retry.headers[b"If-Modified-Since"] == b"Mon, 01 Jan 2024 00:00:00 GMT"
    assert mw.crawler.stats.get_value("nianbao/conditional_requests") == 1
