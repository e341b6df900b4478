"""Politeness: identify ourselves, and back off a host that asks us to, without slowing the rest.

Scrapy already gives most of what a polite crawler needs and we use it as is
(see :mod:`crawler.settings`): one connection per host (``CONCURRENT_REQUESTS_PER_DOMAIN = 1``;
download slots are keyed by host name, also through a proxy), AutoThrottle between a floor and a
ceiling, and robots.txt (RFC 9309) through ``ROBOTSTXT_OBEY`` with the Protego parser.

What Scrapy lacks is honouring ``Retry-After`` (RFC 9110 §10.2.3) on 429/503: its retry
middleware re-queues the request at once. :class:`HostBackoff` fills that gap. It listens to
``response_downloaded``, which Scrapy fires *before* it frees the host's download slot and looks
at that slot's queue again, and pushes the slot's ``lastseen`` into the future. The downloader
then waits out the delay for *that host only*; other hosts keep crawling. Without a
``Retry-After`` it backs off exponentially per host and resets on the next good answer. A
``Retry-After`` longer than ``RETRY_AFTER_MAX`` is not waited for: the request is not retried
(the answer is archived and classed ``rate_limited``) and the host pauses for the maximum.
"""

from __future__ import annotations

import email.utils
import logging
from collections import deque
from datetime import UTC, datetime
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.core.downloader import Downloader
from scrapy.utils.httpobj import urlparse_cached

import nianbao

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

DEFAULT_CONTACT_URL = "https://github.com/nianbao/nianbao"
BACKOFF_STATUSES = (429, 503)


def user_agent(contact_url: str = DEFAULT_CONTACT_URL) -> str:
    """``nianbao/<version> (+<contact URL>)``: who we are and where to complain."""
    return f"nianbao/{nianbao.__version__} (+{contact_url})"


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date); None if
    absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class HostBackoff:
    """Delay one host's download slot after 429/503 (see module docstring)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        s: BaseSettings = crawler.settings
        self.max_wait = s.getfloat("RETRY_AFTER_MAX", 120.0)
        self.base = s.getfloat("BACKOFF_BASE", 2.0)
        self.cap = s.getfloat("BACKOFF_MAX", 60.0)
        self.strikes: dict[str, int] = {}
        self.waits: list[tuple[str, float]] = []  # (host slot, seconds) for the crawl report
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostBackoff:
        return cls(crawler)

    def response_downloaded(self, response: Response, request: Request, **_: Any) -> None:
        key = request.meta.get("download_slot")
        engine = self.crawler.engine
        if key is None or engine is None:
            return
        slot = engine.downloader.slots.get(key)
        if slot is None:
            return
        if response.status not in BACKOFF_STATUSES:
            self.strikes.pop(key, None)
            return
        wanted = parse_retry_after(response.headers.get(b"Retry-After"))
        if wanted is None:
            n = self.strikes[key] = self.strikes.get(key, 0) + 1
            wait = min(self.cap, self.base * 2 ** (n - 1))
        elif wanted > self.max_wait:
            request.meta["dont_retry"] = True
            request.meta["retry_after_too_long"] = wanted
            wait = self.max_wait
        else:
            wait = wanted
        if slot.delay <= 0:
            slot.delay = 0.001  # the downloader only looks at lastseen when a delay is set
        slot.lastseen = max(slot.lastseen, monotonic() + wait)
        self.waits.append((key, wait))
        logger.info("host %s answered %s: pausing it for %.1fs", key, response.status, wait)


class DataLossRetryMiddleware:
    """Retry a response whose body was cut off (connection closed before ``Content-Length``).

    Scrapy either fails such a download or, with ``DOWNLOAD_FAIL_ON_DATALOSS = False`` (our
    setting, so the partial body is archived with ``WARC-Truncated: disconnect``), hands it on
    as if complete. Here it is retried like a 5xx, through Scrapy's own retry budget; if every
    attempt is cut, the last partial answer is what the spider sees."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DataLossRetryMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        if "dataloss" not in response.flags or request.meta.get("dont_retry"):
            return response
        from scrapy.downloadermiddlewares.retry import get_retry_request

        assert self.crawler.spider is not None
        retry = get_retry_request(request, spider=self.crawler.spider, reason="dataloss")
        if retry is None:
            return response
        retry.meta.pop("nb_truncated", None)
        return retry


class _SlotQueue(deque):  # type: ignore[type-arg]
    """A download slot's queue that (1) puts requests flagged ``nb_urgent`` at the front and
    (2) counts a request as transferring the moment it leaves the queue.

    (2) closes a race in Scrapy's downloader (2.13+ with the asyncio reactor). Its
    ``_process_queue`` pops a request and schedules the download as an asyncio task; the request
    joins ``slot.transferring`` only when that task first runs. The slot's delay is what keeps
    the loop from popping a second one meanwhile: it re-checks the delay against the clock, and
    if the process was descheduled for longer than the delay between the two clock readings (a
    loaded machine and a 20 ms delay; or the 1 ms delay :class:`HostBackoff` sets after a 503),
    the slot looks free and a second request to the host starts alongside the first. The sandbox
    log showed exactly that under load: two requests of one slot in flight, ``transferring``
    holding both. Marking the request here makes ``free_transfer_slots()`` right at once;
    ``_download`` adds it again (a set) and removes it when the download ends."""

    def __init__(self, items: Any = (), slot: Any = None):
        super().__init__(items)
        self.slot = slot

    def append(self, item: Any) -> None:
        request = item[0]
        if request.meta.get("nb_urgent"):
            self.appendleft(item)
        else:
            super().append(item)

    def popleft(self) -> Any:
        item = super().popleft()
        if self.slot is not None:
            self.slot.transferring.add(item[0])
        return item


class UrgentFirstDownloader(Downloader):
    """Scrapy's downloader, except that a slot never has more requests in flight than its
    concurrency (see :class:`_SlotQueue`), and a rendering browser's requests (``nb_urgent``)
    jump their host's queue. They still wait for the host's one connection and its delay, but not
    behind every page already queued for that host — which could outlast the browser's
    navigation timeout. Set as ``DOWNLOADER``."""

    def get_slot_key(self, request: Request) -> str:
        """The request's host, as Scrapy's, except that a host-named slot copied from another
        request is not trusted. Scrapy's redirect (and retry) copies ``meta``, and with it the
        ``download_slot`` of the *source* host: a redirect from ``www.a.gov.cn`` to
        ``rsj.a.gov.cn`` would otherwise run in ``www``'s slot, in parallel with ``rsj``'s own
        requests — two connections to one host. Named slots (``__browser__``) are kept."""
        key = request.meta.get(self.DOWNLOAD_SLOT)
        if isinstance(key, str) and not key.startswith("__") and \
                key != (urlparse_cached(request).hostname or ""):
            del request.meta[self.DOWNLOAD_SLOT]
        return super().get_slot_key(request)

    def _get_slot(self, request: Request, spider: Any = None) -> tuple[str, Any]:
        key, slot = super()._get_slot(request)
        if not isinstance(slot.queue, _SlotQueue):
            slot.queue = _SlotQueue(slot.queue, slot)
        return key, slot
