"""Hand every HTTP exchange to the archive as it happens.

Connected to ``response_downloaded``, which Scrapy fires straight from the download handler:
before HttpCompressionMiddleware decodes the body (so ``Content-Encoding`` and the encoded bytes
stay together) and after the HTTP/1.1 handler removed chunking (the payload WARC 1.1 §5.9
digests). Multi-valued headers are kept with ``getlist``; the request headers are those Scrapy
sent (plus the ``Host`` the HTTP client adds). Retries, redirects, robots.txt, challenge pages
and error answers are archived like everything else: they prove what the site answered.

A rendered page (flag ``playwright``) is not an HTTP response: the browser's own requests went
through the downloader and were archived as responses already; here only the DOM is written,
as a ``conversion`` record linked to the document's response record.

Each written response is also appended to ``crawls/<id>/fetched.jsonl`` (URL, method, status,
class, WARC file and offset, validators) — the journal that lets a resumed crawl replay what is
already archived instead of fetching it again (:mod:`crawler.resume`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

import nianbao
from archive.exchange import Exchange
from archive.writer import ArchiveWriter
from crawler import classify as rc
from crawler import redact

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` as ``(name, value)`` pairs, every value of a multi-valued header."""
    out: list[tuple[str, str]] = []
    for key in headers.keys():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        for value in headers.getlist(key):
            out.append((name, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


def _host_header(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def exchange_from(request: Request, response: Response, *, truncated: str | None,
                  metadata: dict[str, Any]) -> Exchange:
    """Build the archive's :class:`Exchange` from a Scrapy request and its raw response."""
    req_headers = redact.request_headers(header_pairs(request.headers))  # no credentials
    if not any(k.lower() == "host" for k, _ in req_headers):
        req_headers.insert(0, ("Host", _host_header(request.url)))
    proxied = bool(request.meta.get("proxy")) or bool(request.meta.get("_auth_proxy"))
    ip = None if proxied or response.ip_address is None else str(response.ip_address)
    protocol = response.protocol or "HTTP/1.1"
    if not protocol.upper().startswith("HTTP/"):
        protocol = "HTTP/1.1"
    from http import HTTPStatus

    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return Exchange(
        url=request.url,
        method=request.method,
        request_headers=req_headers,
        request_body=request.body or b"",
        status=response.status,
        reason=reason,
        http_version=protocol.upper(),
        response_headers=header_pairs(response.headers),
        body=response.body,
        fetched_at=datetime.now(UTC),
        ip_address=ip,
        truncated=truncated,
        metadata=metadata,
    )


class WarcExtension:
    """Write every downloaded response (and each rendered DOM) through :class:`ArchiveWriter`."""

    def __init__(self, crawler: Crawler):
        s = crawler.settings
        if not s.getbool("NIANBAO_WARC", True):
            raise NotConfigured
        self.crawler = crawler
        self.data_dir = Path(s.get("NIANBAO_DATA_DIR") or "data")
        self.crawl_id = s.get("NIANBAO_CRAWL_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.crawl_dir = self.data_dir / "crawls" / self.crawl_id
        self.writer: ArchiveWriter | None = None
        self.written: dict[str, str] = {}  # url -> response record id (for rendered DOMs)
        self.rows: dict[str, dict[str, Any]] = {}  # this run's journal, for crawler.resume
        self.files: set[str] = set()
        self.records = 0
        self.errors = 0
        self._journal: Any = None
        self.simulated_date = ""
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcExtension:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        s = self.crawler.settings
        self.crawl_dir.mkdir(parents=True, exist_ok=True)
        info = {
            "software": f"nianbao/{nianbao.__version__} (Scrapy crawler)",
            "operator": s.get("NIANBAO_OPERATOR") or s.get("NIANBAO_CONTACT_URL", ""),
            "http-header-user-agent": s.get("USER_AGENT", ""),
            "robots": "obey" if s.getbool("ROBOTSTXT_OBEY") else "ignore",
            "isPartOf": self.crawl_id,
            "registry-sha256": s.get("NIANBAO_REGISTRY_SHA256", ""),
            "description": "政府信息公开工作年度报告 crawl",
            "hostname": socket.gethostname(),
        }
        if s.get("NIANBAO_SIMULATED_DATE"):
            info["simulated-date"] = s.get("NIANBAO_SIMULATED_DATE")
        self.simulated_date = s.get("NIANBAO_SIMULATED_DATE") or ""
        self.writer = ArchiveWriter(self.data_dir, crawl_id=self.crawl_id, warcinfo=info,
                                    max_size=s.getint("NIANBAO_WARC_MAX_SIZE", 1_000_000_000),
                                    dedup=s.getbool("NIANBAO_DEDUP", True))
        self._journal = open(self.crawl_dir / "fetched.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    def spider_closed(self, spider: Any, reason: str = "") -> None:
        if self.writer is not None:
            self.writer.close()
            self.files.update(p.name for p in self.writer.closed_files)
            self.writer = None
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def response_downloaded(self, response: Response, request: Request, **_: Any) -> None:
        if self.writer is None or request.meta.get("nb_replayed"):
            return
        nb = request.meta.get("nb") or {}
        try:
            if "playwright" in response.flags:
                self._write_dom(response, request)
                return
            headers = header_pairs(response.headers)
            cls = rc.classify_response(response.status, headers, response.body)
            request.meta["nb_class"] = cls
            truncated = request.meta.get("nb_truncated")
            if truncated is None and "dataloss" in response.flags:
                truncated = "disconnect"
                request.meta["nb_truncated"] = truncated
            metadata = {
                "agency-id": nb.get("agency", ""),
                "via": nb.get("via", ""),
                "hops-from-seed": nb.get("depth", ""),
                "seed": nb.get("seed", ""),
                "role": nb.get("role", "robots" if request.url.endswith("/robots.txt") else ""),
                "response-class": cls,
                "retry": request.meta.get("retry_times", 0),
            }
            if self.simulated_date:
                metadata["simulated-date"] = self.simulated_date
            if nb.get("resource"):
                metadata["browser-resource-type"] = nb["resource"]
            ex = exchange_from(request, response, truncated=truncated,
                               metadata={k: v for k, v in metadata.items() if v != ""})
            loc = self.writer.write_exchange(ex)
        except Exception:  # noqa: BLE001 - one bad record must not stop the crawl; it is counted
            self.errors += 1
            self.crawler.stats.inc_value("nianbao/warc_errors")
            logger.exception("could not archive %s", request.url)
            return
        self.records += 1
        self.files.add(loc.filename)
        self.written[request.url] = loc.record_id
        request.meta["nb_record"] = {"file": loc.filename, "offset": loc.offset,
                                     "record_id": loc.record_id}
        row = {
            "url": request.url, "method": request.method, "status": response.status,
            "class": cls, "file": loc.filename, "offset": loc.offset, "record_id": loc.record_id,
            "etag": (response.headers.get(b"ETag") or b"").decode("latin-1"),
            "last_modified": (response.headers.get(b"Last-Modified") or b"").decode("latin-1"),
            "truncated": truncated,
            "body_sha1": hashlib.sha1(request.body).hexdigest() if request.body else "",
            # what the page was to the crawl: the next crawl asks again for known reports
            "role": (request.meta.get("nb") or {}).get("role"),
            "agency": (request.meta.get("nb") or {}).get("agency"),
        }
        self.rows[f"{row['method']} {row['url']} {row['body_sha1']}"] = row
        self._journal.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno()) if self.crawler.settings.getbool("NIANBAO_FSYNC") else None

    def _write_dom(self, response: Response, request: Request) -> None:
        assert self.writer is not None
        refers = self.written.get(response.url) or self.written.get(request.url)
        if refers is None:
            logger.warning("rendered %s but its document response was not archived; "
                           "DOM not stored", response.url)
            return
        html = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        loc = self.writer.write_rendered_dom(response.url, html, datetime.now(UTC), refers)
        self.files.add(loc.filename)
        self.crawler.stats.inc_value("nianbao/rendered_doms")
