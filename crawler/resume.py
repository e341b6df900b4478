"""Resume without refetching: serve what this crawl already archived from the WARCs.

A crawl stopped cleanly (Ctrl-C, SIGTERM) keeps its Scrapy JOBDIR (queue and seen-set) under
``crawls/<id>/job/`` and continues from it. A crawl killed with ``kill -9`` cannot trust that
JOBDIR: Scrapy writes the queue's state only on a clean close, and its seen-set may name
requests that never completed. :mod:`crawler.runner` then sets the JOBDIR aside and starts from
the seeds again — and this middleware makes that cheap and polite: every request whose answer
is in the crawl's journal (``crawls/<id>/fetched.jsonl``: URL, method, body hash, WARC file and
offset) is answered from the archive instead of the network. The spider sees the same pages,
rediscovers the same links and fetches only what was never archived. Only answers worth keeping
are replayed (ok, not found, redirects, JS shells — not errors, challenges or truncated bodies,
which are tried again).

The same mechanism answers a rendering browser's requests (meta ``nb_prefer_archive``) from
what this very run archived already, see :mod:`crawler.render`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from archive.reader import read_record, resolve_payload

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

REPLAYABLE = {"ok", "not_found", "redirect", "js_shell"}


def body_hash(body: bytes | None) -> str:
    return hashlib.sha1(body).hexdigest() if body else ""


def journal_key(method: str, url: str, body: bytes | None) -> str:
    return f"{method.upper()} {url} {body_hash(body)}"


def load_journal(path: Path) -> dict[str, dict[str, Any]]:
    """Key -> newest journal row of a crawl (a torn last line after kill -9 is skipped)."""
    out: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return out
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            key = f"{row.get('method', 'GET')} {row.get('url')} {row.get('body_sha1') or ''}"
            out[key] = row
    return out


class ReplayMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        s = crawler.settings
        self.data_dir = Path(s.get("NIANBAO_DATA_DIR") or "data")
        self.crawl_id = s.get("NIANBAO_CRAWL_ID", "")
        self.rows: dict[str, dict[str, Any]] = {}
        self.replayed = 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        if self.crawl_id:
            self.rows = load_journal(self.data_dir / "crawls" / self.crawl_id / "fetched.jsonl")
            if self.rows:
                logger.info("resume: %d archived answers will be replayed, not fetched", len(self.rows))

    def _warc_path(self, name: str) -> Path | None:
        for candidate in (self.data_dir / "warcs" / name, self.data_dir / "warcs" / (name + ".open")):
            if candidate.exists():
                return candidate
        return None

    def _live_rows(self) -> dict[str, dict[str, Any]]:
        """This run's journal so far, kept by :class:`crawler.warc_extension.WarcExtension`."""
        from crawler.warc_extension import WarcExtension

        for ext in getattr(self.crawler.extensions, "middlewares", ()):
            if isinstance(ext, WarcExtension):
                return ext.rows
        return {}

    def process_request(self, request: Request, spider: Any = None) -> Response | None:
        if request.meta.get("playwright"):
            return None
        key = journal_key(request.method, request.url, request.body)
        row = self.rows.get(key)
        if row is None and request.meta.get("nb_prefer_archive"):
            row = self._live_rows().get(key)
        if row is None or row.get("class") not in REPLAYABLE or row.get("truncated"):
            return None
        path = self._warc_path(row["file"])
        if path is None:
            return None
        try:
            record = resolve_payload(self.data_dir, read_record(path, int(row["offset"])))
        except (OSError, ValueError) as exc:
            logger.info("resume: cannot replay %s from %s (%s); fetching it", request.url, path, exc)
            return None
        stored = read_record(path, int(row["offset"]))
        headers = Headers()
        for k, v in stored.http_headers:
            if k.lower() in ("transfer-encoding",):
                continue
            headers.appendlist(k, v)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=record.payload)
        self.replayed += 1
        self.crawler.stats.inc_value("nianbao/replayed")
        request.meta["nb_replayed"] = True
        request.meta["nb_class"] = row.get("class")
        return cls(url=request.url, status=int(row.get("status") or stored.http_status or 200),
                   headers=headers, body=record.payload, request=request, flags=["replayed"])
