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
from collections.abc import Iterator
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


def journal_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Every complete row of a crawl journal, oldest first (a torn last line after kill -9 is
    skipped)."""
    if not path.exists():
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                yield json.loads(line)
            except ValueError:
                continue


def load_journal(path: Path) -> dict[str, dict[str, Any]]:
    """Key -> newest journal row of a crawl."""
    return {f"{row.get('method', 'GET')} {row.get('url')} {row.get('body_sha1') or ''}": row
            for row in journal_rows(path)}


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


def _sha1_hex(warc_digest: str | None) -> str:
    """``sha1:BASE32`` (a WARC payload digest) as the hex the journal keys use."""
    import base64

    if not warc_digest or not warc_digest.lower().startswith("sha1:"):
        return ""
    try:
        return base64.b32decode(warc_digest[5:].upper()).hex()
    except ValueError:
        return ""


def _crawl_of(path: Path) -> str | None:
    """The ``isPartOf`` of a WARC file's warcinfo (its first record), or None."""
    from archive.reader import iter_records

    try:
        first = next(iter_records(path, with_payload=True), None)
    except ValueError:
        return None
    if first is None or first.rec_type != "warcinfo":
        return None
    for line in first.payload.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "isPartOf":
            return value.strip()
    return None


def reconcile_journal(data_dir: Path, crawl_id: str) -> int:
    """After a kill, add to the crawl's journal every exchange its WARCs hold but it does not
    name, and to the dedup index every full capture it lost; return how many rows were added.

    The writer archives an exchange, then appends its journal line, and commits the dedup index
    at most every half second. A ``kill -9`` between the two leaves an archived answer the
    journal does not know, which the resumed crawl would fetch and archive again in full (the
    dedup entry that would have made it a revisit may be lost too). Records are written and
    journaled in one order, so only the journal's last file (after its last row) and the
    crawl's files the journal never names can hold such exchanges; those are read back here.
    Run it after :func:`archive.repair.repair_data_dir`, before the crawl opens its journal.
    """
    from archive import files
    from archive.dedup import DedupIndex, Original, index_path
    from archive.reader import iter_records

    data_dir = Path(data_dir)
    jpath = data_dir / "crawls" / crawl_id / "fetched.jsonl"
    # every journaled record, not only the newest per URL: an older answer (a 503 before the
    # good retry) re-added here would become the newest and hide the good one from replay
    known: set[str] = set()
    named: set[str] = set()
    last_file = ""
    for done in journal_rows(jpath):
        known.add(done.get("record_id") or "")
        named.add(done.get("file") or "")
        last_file = done.get("file") or last_file
    candidates = [p for p in files.closed_warcs(data_dir) + files.open_warcs(data_dir)
                  if (p.name.removesuffix(".open") == last_file)
                  or (p.name.removesuffix(".open") not in named and _crawl_of(p) == crawl_id)]
    added: list[dict[str, Any]] = []
    dedup = DedupIndex(index_path(data_dir))
    try:
        for path in sorted(candidates, key=lambda p: p.name):
            name = path.name.removesuffix(".open")
            exchanges: dict[str, dict[str, Any]] = {}
            try:
                for rec in iter_records(path, with_payload=True):
                    if rec.rec_type in ("response", "revisit"):
                        if not rec.header("WARC-Truncated") and rec.rec_type == "response":
                            original = Original(rec.target_uri or "", rec.date, rec.record_id,
                                                name, rec.offset)
                            dedup.add(rec.header("WARC-Payload-Digest"), original, commit=False)
                        if rec.record_id in known:
                            continue
                        exchanges[rec.record_id] = {
                            "url": rec.target_uri, "method": "GET", "status": rec.http_status,
                            "class": None, "file": name, "offset": rec.offset,
                            "record_id": rec.record_id,
                            "etag": rec.http_header("ETag") or "",
                            "last_modified": rec.http_header("Last-Modified") or "",
                            "truncated": rec.header("WARC-Truncated"), "body_sha1": "",
                            "role": None, "agency": None, "reconciled": True,
                        }
                        continue
                    row = exchanges.get(rec.header("WARC-Concurrent-To") or "")
                    if row is None:
                        continue
                    if rec.rec_type == "request":
                        row["method"] = (rec.http_protocol or "GET").upper()
                        row["body_sha1"] = _sha1_hex(rec.header("WARC-Payload-Digest"))
                    elif rec.rec_type == "metadata":
                        fields = dict(line.partition(":")[::2] for line in
                                      rec.payload.decode("utf-8", "replace").splitlines() if ":" in line)
                        fields = {k.strip(): v.strip() for k, v in fields.items()}
                        row["class"] = fields.get("response-class")
                        row["agency"] = fields.get("agency-id") or None
                        row["role"] = fields.get("role") or None
                        added.append(row)  # the metadata record closes the exchange
            except ValueError as exc:
                logger.warning("resume: stopped reading %s at a bad record (%s)", path, exc)
        dedup.commit()
    finally:
        dedup.close()
    if added:
        with open(jpath, "a+", encoding="utf-8") as fh:
            fh.seek(0, 2)
            if fh.tell():  # a torn last line must not swallow the first added row
                fh.seek(fh.tell() - 1)
                if fh.read(1) != "\n":
                    fh.write("\n")
            for row in added:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        logger.info("resume: %d archived answers were missing from the journal of %s; added",
                    len(added), crawl_id)
    return len(added)
