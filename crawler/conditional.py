"""Incremental recrawls: conditional requests for documents already captured.

Earlier crawls' journals (``crawls/*/fetched.jsonl``, written by :mod:`crawler.warc_extension`)
keep each captured URL's ``ETag`` and ``Last-Modified``. For attachments — the large, stable
leaves of a crawl — this middleware sends ``If-None-Match`` / ``If-Modified-Since``; an unchanged
document answers 304, which the archive records as a ``server-not-modified`` revisit. Pages are
always fetched in full: the crawler needs their links, and a 304 carries none. Kept deliberately
simple: the newest validator per URL wins.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request

logger = logging.getLogger(__name__)


def load_validators(data_dir: Path, exclude_crawl: str = "") -> dict[str, tuple[str, str]]:
    """URL -> (etag, last_modified) from earlier crawls' journals (oldest first, newest wins)."""
    from crawler.revisit import earlier_journal_rows

    out: dict[str, tuple[str, str]] = {}
    for row in earlier_journal_rows(data_dir, exclude_crawl=exclude_crawl):
        if row.get("status") == 200 and not row.get("truncated") and (
            row.get("etag") or row.get("last_modified")
        ):
            out[row["url"]] = (row.get("etag") or "", row.get("last_modified") or "")
    return out


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.validators: dict[str, tuple[str, str]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        s = self.crawler.settings
        if not s.getbool("NIANBAO_CONDITIONAL", True):
            return
        self.validators = load_validators(Path(s.get("NIANBAO_DATA_DIR") or "data"),
                                          s.get("NIANBAO_CRAWL_ID", ""))

    def process_request(self, request: Request, spider: Any = None) -> None:
        asked_for = request.meta.get("nb_conditional")
        if asked_for is not None and asked_for != request.url:
            # a redirect copied the request, headers and all: the validators were another
            # URL's, and the new URL's server would compare them with its own
            for name in (b"If-None-Match", b"If-Modified-Since"):
                request.headers.pop(name, None)
            del request.meta["nb_conditional"]
        nb = request.meta.get("nb")
        if not nb or nb.get("role") != "attachment" or request.method != "GET":
            return None
        found = self.validators.get(request.url)
        if not found:
            return None
        etag, last_modified = found
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last_modified
        if request.meta.get("nb_conditional") != request.url:
            request.meta["nb_conditional"] = request.url
            self.crawler.stats.inc_value("nianbao/conditional_requests")
        return None
