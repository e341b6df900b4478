"""ArchiveWriter: turns each Exchange into WARC 1.1 records, as it happens.

Per fetch it writes, in this order, a ``response`` (or a ``revisit``), its ``request`` and a
``metadata`` record, all linked by ``WARC-Concurrent-To``. The response comes first so that a
crash can leave a response without its request (harmless) but never a request without its
response (which verify reports). Each record is its own gzip member and is flushed to the OS
at once, so a ``kill -9`` leaves at most a torn last record, which :mod:`archive.repair` cuts.

Records are built and serialised by warcio; this module decides what goes in them (the HTTP
body policy of :mod:`archive.httpblock`, dedup, linking, naming, rotation). It is synchronous
and does little beyond hashing and gzip, so the crawler may call it from the Twisted reactor
thread; a lock makes it safe from other threads too.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import threading
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive import cdxj, files
from archive.dedup import DedupIndex, Original, index_path, rebuild
from archive.digests import format_sha1, sha1_digest
from archive.exchange import Exchange
from archive.httpblock import (
    HTTP_BODY_POLICY,
    normalize_target_uri,
    request_block,
    response_has_body,
    response_header_block,
)

PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
WARC_1_1_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

# Payloads smaller than this are written in full even when already archived: a revisit record
# (WARC headers plus HTTP headers, about 0.8 KB gzipped) would be no smaller than the body it
# replaces, and it would make replay of the capture depend on another record and file.
DEDUP_MIN_SIZE = 512


# zlib level for the per-record gzip members. warcio's own wrapper uses 9; 6 (zlib's default)
# costs a few percent in size on HTML and is several times faster, which is most of the
# writer's CPU (see bench/bench_archive.py).
GZIP_LEVEL = 6


class _GzipMembers:
    """Make each record warcio writes its own gzip member (warcio calls ``flush()`` once at
    the end of every record): the member ends there and the file is flushed to the OS, so a
    killed process leaves at most its last record torn."""

    def __init__(self, fh: IO[bytes], level: int = GZIP_LEVEL):
        self.fh = fh
        self.level = level
        self._comp: zlib._Compress | None = None

    def write(self, data: bytes) -> int:
        if self._comp is None:
            self._comp = zlib.compressobj(self.level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        self.fh.write(self._comp.compress(data))
        return len(data)

    def flush(self) -> None:
        if self._comp is not None:
            self.fh.write(self._comp.flush())
            self._comp = None
        self.fh.flush()

    def tell(self) -> int:
        return self.fh.tell()


class _Writer(WARCWriter):
    """warcio's writer, minus its own payload digests: we set WARC-Payload-Digest ourselves
    where it means something (responses, revisits, request bodies, DOM conversions) and
    warcio's ``ensure_digest`` would otherwise hash request and metadata blocks a second time."""

    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "request", "metadata", "conversion")


@dataclass(frozen=True)
class RecordLocation:
    """Where a record was written: enough to cite it (file, offset, id) and to read it back."""

    filename: str
    offset: int
    length: int
    record_id: str
    digest: str | None
    is_revisit: bool


class _ExactHTTPHeaders(StatusAndHeaders):
    """HTTP headers whose serialised bytes we fixed ourselves; warcio would otherwise re-render
    them and percent-encode non-ASCII values, changing what the server sent."""

    def __init__(self, raw: bytes, statusline: str, protocol: str, is_request: bool = False):
        super().__init__(statusline, [], protocol=protocol, is_http_request=is_request)
        self.headers_buff = raw

    def compute_headers_buffer(self, header_filter=None) -> None:  # noqa: ARG002
        return None


def _warc_date(dt: datetime) -> str:
    return datetime_to_iso_date(dt.astimezone(UTC).replace(tzinfo=None), use_micros=True)


def _new_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


class ArchiveWriter:
    """Write exchanges to rotating ``NIANBAO-<ts>-<serial>-<host>.warc.gz`` files.

    ``warcinfo`` fields (operator, robots policy, user-agent, registry hash, software, ...) go
    into each file's warcinfo record next to the ones set here (format, conformsTo, hostname,
    crawl id, body policy). ``max_size`` rotates files (checked before each exchange, so a file
    may exceed it by one exchange). With ``dedup`` an already archived payload becomes a revisit.
    On start, leftover ``.open`` files of crashed writers are repaired and a lost dedup index
    is rebuilt from the WARCs.
    """

    def __init__(self, data_dir: Path, *, crawl_id: str, warcinfo: dict[str, str],
                 max_size: int = 1_000_000_000, dedup: bool = True,
                 dedup_min_size: int = DEDUP_MIN_SIZE):
        from archive.repair import repair_data_dir

        if not crawl_id or any(c.isspace() for c in crawl_id):
            raise ValueError(f"crawl_id {crawl_id!r}: must be non-empty without whitespace")
        if max_size <= 0:
            raise ValueError(f"max_size {max_size}: must be positive")
        self.data_dir = Path(data_dir)
        self.crawl_id = crawl_id
        self.warcinfo_fields = dict(warcinfo)
        self.max_size = max_size
        self.dedup_min_size = dedup_min_size
        files.warcs_dir(self.data_dir).mkdir(parents=True, exist_ok=True)
        files.indexes_dir(self.data_dir).mkdir(parents=True, exist_ok=True)
        self.repaired = repair_data_dir(self.data_dir)
        self.hostname = files.safe_hostname()
        self._lock = threading.Lock()
        self._fh: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self._name = ""
        self._open_path: Path | None = None
        self._warcinfo_id = ""
        self._cdxj_lines: list[str] = []
        self._serial = 0
        self.closed_files: list[Path] = []
        self._closed = False
        self.dedup: DedupIndex | None = None
        if dedup:
            if index_path(self.data_dir).exists():
                self.dedup = DedupIndex(index_path(self.data_dir))
            else:
                self.dedup = rebuild(self.data_dir, files.closed_warcs(self.data_dir))

    # -- files ------------------------------------------------------------------------------
    def _open_file(self) -> None:
        wdir = files.warcs_dir(self.data_dir)
        # The file is created and flock'ed under a hidden name, then linked to its .open name:
        # a repair (another crawl starting, `nianbao archive repair`) must never see it unlocked
        # and empty, or it would delete it as a crash's leftover while we archive into it.
        hidden = wdir / f".{os.getpid()}-{id(self)}.creating"
        hidden.unlink(missing_ok=True)
        fd = os.open(hidden, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # tells repair this file is alive
        try:
            while True:
                stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
                name = files.warc_name(stamp, self._serial, self.hostname)
                self._serial += 1
                if (wdir / name).exists():
                    continue
                try:
                    os.link(hidden, wdir / (name + ".open"))
                except FileExistsError:
                    continue  # another writer took this name in the same second
                break
        finally:
            hidden.unlink(missing_ok=True)
        self._fh = os.fdopen(fd, "wb")
        self._name = name
        self._open_path = wdir / (name + ".open")
        self._writer = _Writer(_GzipMembers(self._fh), gzip=False, warc_version="1.1")
        self._cdxj_lines = []
        info = {
            "software": self.warcinfo_fields.get("software", f"nianbao-archive warcio/{_warcio_version()}"),
            "format": "WARC File Format 1.1",
            "conformsTo": WARC_1_1_SPEC,
            "hostname": self.hostname,
            "crawl-id": self.crawl_id,
            "http-body-policy": HTTP_BODY_POLICY,
        }
        for key, value in self.warcinfo_fields.items():
            if key not in ("format", "conformsTo", "crawl-id", "http-body-policy"):
                info[key] = str(value).replace("\r", " ").replace("\n", " ")
        record = self._writer.create_warcinfo_record(name, info)
        self._warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")
        self._writer.write_record(record)

    def _close_file(self) -> None:
        if self._fh is None or self._open_path is None:
            return
        self._fh.close()  # also releases the flock
        final = self._open_path.with_name(self._name)
        os.replace(self._open_path, final)
        cdxj.write_lines(self._cdxj_lines, files.cdxj_path(self.data_dir, self._name))
        self.closed_files.append(final)
        self._fh = self._writer = self._open_path = None
        self._cdxj_lines = []

    def _ready(self) -> WARCWriter:
        if self._fh is not None and self._fh.tell() >= self.max_size:
            self._close_file()
        if self._fh is None:
            self._open_file()
        assert self._writer is not None
        return self._writer

    # -- records ----------------------------------------------------------------------------
    def _write(self, uri: str, rec_type: str, warc_headers: list[tuple[str, str]],
               content_type: str, payload: bytes, http: _ExactHTTPHeaders | None,
               block_digest: str) -> tuple[int, int]:
        assert self._writer is not None and self._fh is not None
        headers = StatusAndHeaders("", [("WARC-Type", rec_type), *warc_headers,
                                        ("WARC-Warcinfo-ID", self._warcinfo_id),
                                        ("WARC-Block-Digest", block_digest)],
                                   protocol="WARC/1.1")
        if uri:
            headers.add_header("WARC-Target-URI", uri)
        record = self._writer.create_warc_record(
            uri, rec_type, payload=io.BytesIO(payload), length=len(payload),
            warc_content_type=content_type, warc_headers=headers, http_headers=http)
        start = self._fh.tell()
        self._writer.write_record(record)
        return start, self._fh.tell() - start

    def write_exchange(self, ex: Exchange) -> RecordLocation:
        """Write response-or-revisit, request and metadata; return where the response went."""
        ex.validate()
        with self._lock:
            self._check_open()
            self._ready()
            with self._all_or_nothing():
                return self._write_exchange(ex)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"ArchiveWriter for {self.data_dir} (crawl {self.crawl_id}) "
                             "is closed")

    @contextmanager
    def _all_or_nothing(self) -> Iterator[None]:
        """If writing a group of records fails half-way (disk full, a bug), cut the file back
        to where the group started, so the file stays valid and later records stay readable."""
        start = self._fh.tell() if self._fh is not None else None
        name = self._name
        try:
            yield
        except BaseException:
            if self._fh is not None and start is not None and self._name == name:
                gz = self._writer.out if self._writer is not None else None
                if isinstance(gz, _GzipMembers):
                    gz._comp = None
                try:
                    self._fh.flush()
                except OSError:
                    pass
                os.ftruncate(self._fh.fileno(), start)
                self._fh.seek(start)
            raise

    def _write_exchange(self, ex: Exchange) -> RecordLocation:
        uri = normalize_target_uri(ex.url)
        date = _warc_date(ex.fetched_at)
        head = response_header_block(ex)
        body = b"" if ex.status == 304 else bytes(ex.body)
        payload_digest = sha1_digest(body)
        protocol, _, status_rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
        http = _ExactHTTPHeaders(head, status_rest, protocol)
        resp_id = _new_id()
        common = [("WARC-Record-ID", resp_id), ("WARC-Date", date)]
        if ex.ip_address:
            common.append(("WARC-IP-Address", ex.ip_address))

        original: Original | None = None
        profile = None
        if ex.status == 304:
            profile = PROFILE_NOT_MODIFIED
            original = self.dedup.latest(uri) if self.dedup else None
        elif (self.dedup is not None and not ex.truncated and response_has_body(ex)
              and len(body) >= self.dedup_min_size):
            original = self.dedup.lookup(payload_digest)
            if original is not None:
                profile = PROFILE_IDENTICAL

        content_type = "application/http; msgtype=response"
        if profile is not None:
            warc_headers = [*common, ("WARC-Profile", profile)]
            if original is not None:
                warc_headers += [("WARC-Refers-To", original.record_id),
                                 ("WARC-Refers-To-Target-URI", original.uri),
                                 ("WARC-Refers-To-Date", original.date)]
            digest: str | None = None
            if profile == PROFILE_IDENTICAL:
                digest = payload_digest
                warc_headers.append(("WARC-Payload-Digest", payload_digest))
            offset, length = self._write(uri, "revisit", warc_headers, content_type, b"", http,
                                         sha1_digest(head))
        else:
            digest = payload_digest
            warc_headers = [*common, ("WARC-Payload-Digest", payload_digest)]
            if ex.truncated:
                warc_headers.append(("WARC-Truncated", ex.truncated))
            block = hashlib.sha1(head)
            block.update(body)
            offset, length = self._write(uri, "response", warc_headers, content_type, body, http,
                                         format_sha1(block.digest()))

        req = request_block(ex)
        req_head_end = req.index(b"\r\n\r\n") + 4
        req_line = req[:req.index(b"\r\n")].decode("latin-1")
        req_http = _ExactHTTPHeaders(req[:req_head_end], req_line, "", is_request=True)
        req_body = req[req_head_end:]
        req_headers = [("WARC-Record-ID", _new_id()), ("WARC-Date", date),
                       ("WARC-Concurrent-To", resp_id)]
        if req_body:  # a payload digest of nothing says nothing; WARC makes it optional
            req_headers.append(("WARC-Payload-Digest", sha1_digest(req_body)))
        self._write(uri, "request", req_headers, "application/http; msgtype=request", req_body,
                    req_http, sha1_digest(req))

        # the fetch time is the record's WARC-Date (microseconds); not repeated here, since
        # a second crawl's size is mostly these small per-fetch records
        meta = _warc_fields(dict(ex.metadata))
        self._write(uri, "metadata",
                    [("WARC-Record-ID", _new_id()), ("WARC-Date", date),
                     ("WARC-Concurrent-To", resp_id)],
                    "application/warc-fields", meta, None, sha1_digest(meta))

        is_revisit = profile is not None
        line = cdxj.cdxj_line(url=uri, warc_date=date, rec_type="revisit" if is_revisit else "response",
                              warc_content_type=content_type, http_status=ex.status,
                              http_content_type=_first(ex.response_headers, "content-type"),
                              payload_digest=digest, length=length, offset=offset,
                              filename=self._name)
        if line:
            self._cdxj_lines.append(line)
        if self.dedup is not None and not ex.truncated and ex.status != 304:
            self.dedup.add(digest if not is_revisit else None,
                           Original(uri, date, resp_id, self._name, offset))
        return RecordLocation(self._name, offset, length, resp_id, digest, is_revisit)

    def write_rendered_dom(self, url: str, html: str, fetched_at: datetime,
                           refers_to_record_id: str) -> RecordLocation:
        """Store the DOM a browser rendered as a ``conversion`` record linked (WARC-Refers-To) to
        the response it was rendered from. ``conversion``, not ``resource``: it is derived from
        that response, and indexing it under the same URL would let replay serve the DOM instead
        of the bytes the server sent (cdxj-indexer and pywb do not index conversions)."""
        if fetched_at.tzinfo is None:
            raise ValueError(f"rendered DOM of {url}: fetched_at must be timezone-aware")
        data = html.encode("utf-8")
        digest = sha1_digest(data)
        rec_id = _new_id()
        with self._lock:
            self._check_open()
            self._ready()
            with self._all_or_nothing():
                offset, length = self._write(
                    normalize_target_uri(url), "conversion",
                    [("WARC-Record-ID", rec_id), ("WARC-Date", _warc_date(fetched_at)),
                     ("WARC-Refers-To", refers_to_record_id), ("WARC-Payload-Digest", digest)],
                    "text/html; charset=utf-8", data, None, digest)
            return RecordLocation(self._name, offset, length, rec_id, digest, False)

    @property
    def current_file(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return self._open_path

    def close(self) -> None:
        """Close the current file: rename it from ``.open`` and write its CDXJ index."""
        with self._lock:
            self._closed = True
            self._close_file()
            if self.dedup is not None:
                self.dedup.close()
                self.dedup = None

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _warc_fields(fields: dict[str, object]) -> bytes:
    """``application/warc-fields`` body: one ``name: value`` line per field; non-strings as JSON."""
    lines = []
    for key, value in fields.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        text = text.replace("\r", " ").replace("\n", " ")
        lines.append(f"{key}: {text}\r\n")
    return "".join(lines).encode("utf-8")


def _warcio_version() -> str:
    from importlib.metadata import version

    return version("warcio")
