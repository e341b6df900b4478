"""Crawl limits and the last line of the scope guard.

* :class:`LimitsMiddleware` (downloader middleware, runs first) re-checks every request against
  its seed's scope — this is what catches redirects and the browser's own sub-requests, which
  never pass through the spider — and enforces per-host caps, the page limit, the time limit.
  When a crawl-wide limit is reached it closes the spider with a reason that names the limit
  (``max_pages``, ``time_limit``, ``max_bytes``); the crawl report shows it.
* :class:`DocumentSizeLimit` (extension) stops reading a body at ``NIANBAO_MAX_DOCUMENT_BYTES``
  and keeps what was read: the response is archived with ``WARC-Truncated: length`` instead of
  being dropped, as Scrapy's own ``DOWNLOAD_MAXSIZE`` would do.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, StopDownload

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


class OutOfScope(IgnoreRequest):
    """A request outside its seed's scope (the message names the rule)."""


class LimitReached(IgnoreRequest):
    """A request dropped because a limit was reached."""


class LimitsMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        s = crawler.settings
        self.max_pages = s.getint("NIANBAO_MAX_PAGES", 0)
        self.time_limit = s.getfloat("NIANBAO_TIME_LIMIT", 0.0)
        self.host_cap = s.getint("NIANBAO_MAX_PAGES_PER_HOST", 0)
        self.per_host: Counter[str] = Counter()
        self.pages = 0
        self.started = time.monotonic()
        self.closing: str | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LimitsMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        spider_max = getattr(spider, "max_pages", 0) or 0
        if spider_max:
            self.max_pages = int(spider_max)
        spider_time = getattr(spider, "time_limit", 0) or 0
        if spider_time:
            self.time_limit = float(spider_time)

    def _close(self, reason: str) -> None:
        if self.closing:
            return
        self.closing = reason
        logger.info("limit reached: %s; stopping the crawl", reason)
        self.crawler.stats.set_value("nianbao/limit", reason)
        engine = self.crawler.engine
        if engine is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason=reason))

    def process_request(self, request: Request, spider: Any = None) -> None:
        nb = request.meta.get("nb")
        if nb is None:
            return None  # robots.txt and other internal requests
        spider = spider or self.crawler.spider
        if self.time_limit and time.monotonic() - self.started > self.time_limit:
            self._close("time_limit")
        # Once a limit closes the crawl, requests already handed to the downloader still go
        # out: dropping them here would lose them for --resume (they left the JOBDIR queue).
        scope = getattr(spider, "scopes", {}).get(nb.get("agency"))
        if scope is not None:
            hops = 0 if scope.in_hosts(request.url) else max(1, nb.get("hops", 0))
            decision = scope.check(request.url, depth=nb.get("depth", 0), hops=hops,
                                   attachment=nb.get("role") == "attachment" or None)
            if not decision.allowed:
                self.crawler.stats.inc_value(
                    f"nianbao/out_of_scope/{nb.get('agency')}/{decision.reason}")
                raise OutOfScope(f"out of scope ({decision.reason}): {request.url}")
        host = urlsplit(request.url).hostname or ""
        if self.host_cap and not request.meta.get("retry_times"):
            if self.per_host[host] >= self.host_cap:
                self.crawler.stats.inc_value(f"nianbao/host_cap/{host}")
                raise LimitReached(f"host cap {self.host_cap} reached for {host}")
            self.per_host[host] += 1
        return None

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if request.meta.get("nb") is not None and "playwright" not in response.flags:
            self.pages += 1
            if self.max_pages and self.pages >= self.max_pages:
                self._close("max_pages")
        if self.time_limit and time.monotonic() - self.started > self.time_limit:
            self._close("time_limit")
        return response


class DocumentSizeLimit:
    """Truncate (not drop) bodies over ``NIANBAO_MAX_DOCUMENT_BYTES``; stop the crawl after
    ``NIANBAO_MAX_BYTES`` downloaded in total."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        s = crawler.settings
        self.max_doc = s.getint("NIANBAO_MAX_DOCUMENT_BYTES", 0)
        self.max_total = s.getint("NIANBAO_MAX_BYTES", 0)
        self.total = 0
        # per request object, not in meta: a retry copies meta and must start from zero
        self.received: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DocumentSizeLimit:
        return cls(crawler)

    def bytes_received(self, data: bytes, request: Request, **_: Any) -> None:
        self.total += len(data)
        got = self.received.get(request, 0) + len(data)
        self.received[request] = got
        if self.max_total and self.total > self.max_total:
            self.crawler.stats.set_value("nianbao/limit", "max_bytes")
            engine = self.crawler.engine
            if engine is not None and not getattr(self, "_closing", False):
                self._closing = True
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(engine.close_spider_async(reason="max_bytes"))
        if self.max_doc and got > self.max_doc:
            request.meta["nb_truncated"] = "length"
            self.crawler.stats.inc_value("nianbao/truncated")
            raise StopDownload(fail=False)
