"""Read what the archive wrote: records of a file or a data directory, one record by offset,
and the HTTP payload decoded for reading (what the parser stage wants).

Built on warcio's ``ArchiveIterator``; this module only adds positions, a small record value
type, content-decoding and revisit resolution.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from archive.files import closed_warcs

# what warcio raises on bytes that are not a WARC (turned into ValueError naming the file)
_PARSE_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError,
                 UnicodeDecodeError)


@dataclass
class ArchivedRecord:
    """One WARC record with its position. ``payload`` is the block after any HTTP headers, as
    stored (content encoding kept); empty when read with ``with_payload=False``. HTTP header
    values are the stored bytes decoded as Latin-1 (as in Exchange): ``.encode("latin-1")``
    gives the bytes, e.g. to read a UTF-8 file name in Content-Disposition."""

    path: Path
    offset: int
    length: int
    rec_type: str
    warc_headers: list[tuple[str, str]]
    http_protocol: str | None = None
    http_status: int | None = None
    http_statusline: str = ""
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    payload: bytes = b""

    def header(self, name: str) -> str | None:
        """A WARC header's value (case-insensitive), or None."""
        lname = name.lower()
        return next((v for k, v in self.warc_headers if k.lower() == lname), None)

    def http_header(self, name: str) -> str | None:
        """An HTTP header's value (case-insensitive; first of several), or None."""
        lname = name.lower()
        return next((v for k, v in self.http_headers if k.lower() == lname), None)

    @property
    def record_id(self) -> str:
        return self.header("WARC-Record-ID") or ""

    @property
    def target_uri(self) -> str | None:
        return self.header("WARC-Target-URI")

    @property
    def date(self) -> str:
        return self.header("WARC-Date") or ""

    @property
    def location(self) -> str:
        """``FILE#OFFSET``, the form ``nianbao archive show`` accepts."""
        return f"{self.path.name}#{self.offset}"

    def decoded_payload(self) -> bytes:
        """The payload with its HTTP ``Content-Encoding`` undone (gzip, deflate, br)."""
        encoding = ",".join(v for k, v in self.http_headers if k.lower() == "content-encoding")
        return decode_content(self.payload, encoding, source=f"{self.location}")


def _parse_http_head(head: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    """Protocol (or method), the rest of the first line, and the headers of an HTTP head.

    Hand-written rather than warcio's parser: warcio decodes each header line as UTF-8 when it
    can and as Latin-1 otherwise, so the stored bytes cannot be recovered from its strings.
    Here every value is the stored bytes decoded as Latin-1, the convention Exchange uses.
    Obsolete line folding is joined with a space.
    """
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    protocol, _, rest = lines[0].strip().partition(" ")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.rstrip(" \t"), value.strip(" \t")))
    return protocol, rest.strip(), headers


def _read_head(stream, with_payload: bool) -> tuple[bytes, bytes]:
    """The HTTP head (up to the blank line) and, if wanted, the payload after it."""
    if with_payload:
        block = stream.read()
    else:
        block = b""
        while b"\r\n\r\n" not in block and len(block) < (1 << 20):
            piece = stream.read(8192)
            if not piece:
                break
            block += piece
    end = block.find(b"\r\n\r\n")
    if end < 0:
        return block, b""
    return block[:end + 4], (block[end + 4:] if with_payload else b"")


def _to_record(path: Path, it: ArchiveIterator, rec, with_payload: bool) -> ArchivedRecord:
    status = None
    protocol = None
    statusline = ""
    headers: list[tuple[str, str]] = []
    content_type = (rec.rec_headers.get_header("Content-Type") or "").lower()
    if rec.rec_type in ("response", "revisit", "request") and content_type.startswith(
            "application/http"):
        head, payload = _read_head(rec.raw_stream, with_payload)
        protocol, statusline, headers = _parse_http_head(head)
        code = statusline.split(" ", 1)[0]
        if rec.rec_type != "request" and code.isdigit():
            status = int(code)
    else:
        payload = rec.raw_stream.read() if with_payload else b""
    offset_length = (it.get_record_offset(), it.get_record_length())
    return ArchivedRecord(path=path, offset=offset_length[0], length=offset_length[1],
                          rec_type=rec.rec_type, warc_headers=list(rec.rec_headers.headers),
                          http_protocol=protocol, http_status=status, http_statusline=statusline,
                          http_headers=headers, payload=payload)


def iter_records(path: Path, *, with_payload: bool = True) -> Iterator[ArchivedRecord]:
    """Every record of one WARC file, in order, with offset and length."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh, no_record_parse=True)
            for rec in it:
                yield _to_record(path, it, rec, with_payload)
    except _PARSE_ERRORS as exc:
        raise ValueError(f"{path}: not a readable WARC file ({exc})") from exc


def iter_data_dir(data_dir: Path, *, with_payload: bool = True) -> Iterator[ArchivedRecord]:
    """Every record of every closed WARC in a data directory, oldest file first."""
    for path in closed_warcs(data_dir):
        yield from iter_records(path, with_payload=with_payload)


def read_record(path: Path, offset: int) -> ArchivedRecord:
    """The record starting at byte ``offset`` of ``path`` (as CDXJ and RecordLocation give)."""
    path = Path(path)
    with open(path, "rb") as fh:
        fh.seek(offset)
        magic = fh.read(5)
        # warcio would happily parse bytes from the middle of a member as an ARC record
        if not (magic.startswith(b"\x1f\x8b") or magic == b"WARC/"):
            raise ValueError(f"{path}#{offset}: no WARC record starts at this offset")
        fh.seek(offset)
        try:
            it = ArchiveIterator(fh, no_record_parse=True)
            rec = next(iter(it), None)
            if rec is None or rec.format != "warc":
                raise ValueError(f"{path}#{offset}: no WARC record at this offset")
            result = _to_record(path, it, rec, True)
        except _PARSE_ERRORS as exc:
            raise ValueError(f"{path}#{offset}: no readable WARC record here ({exc})") from exc
    return result


def resolve_payload(data_dir: Path, record: ArchivedRecord) -> ArchivedRecord:
    """For a revisit, the original record holding the bytes; for anything else, ``record``.

    Identical-payload revisits are looked up by digest in the dedup index (any file, any
    crawl); otherwise (server-not-modified, or an index that lacks the digest) the original is
    found the way pywb finds it: by ``WARC-Refers-To-Target-URI`` in the CDXJ indexes, checked
    against ``WARC-Refers-To``. Raises ``ValueError`` if it cannot be found.
    """
    if record.rec_type != "revisit":
        return record
    data_dir = Path(data_dir)
    digest = record.header("WARC-Payload-Digest")
    if digest:
        from archive.dedup import DedupIndex, index_path

        if index_path(data_dir).exists():
            index = DedupIndex(index_path(data_dir))
            try:
                original = index.lookup(digest)
            finally:
                index.close()
            if original is not None and original.filename:
                direct = read_record(data_dir / "warcs" / original.filename, original.offset)
                if direct.rec_type == "response":
                    return direct
    found = _find_by_index(data_dir, record)
    if found is None:
        raise ValueError(f"{record.location}: revisit of {record.header('WARC-Refers-To')} "
                         f"({record.header('WARC-Refers-To-Target-URI')}) but the original "
                         "is not in this data directory's indexes")
    return found


def _find_by_index(data_dir: Path, record: ArchivedRecord) -> ArchivedRecord | None:
    import json

    from archive.cdxj import url_key
    from archive.files import indexes_dir

    target = record.header("WARC-Refers-To-Target-URI")
    wanted_id = record.header("WARC-Refers-To")
    if not target:
        return None
    prefix = url_key(target) + " "
    candidates = []
    for index in sorted(indexes_dir(data_dir).glob("*.cdxj")):
        with open(index, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(prefix):
                    entry = json.loads(line.split(" ", 2)[2])
                    if entry.get("mime") != "warc/revisit":
                        candidates.append(entry)
    for entry in candidates:
        found = read_record(data_dir / "warcs" / entry["filename"], int(entry["offset"]))
        if found.rec_type == "response" and (not wanted_id or found.record_id == wanted_id):
            return found
    return None


def decode_content(data: bytes, content_encoding: str | None, *, source: str = "payload") -> bytes:
    """Undo HTTP content codings, last applied first. Unknown codings raise ``ValueError``."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        try:
            if coding in ("gzip", "x-gzip"):
                data = _gunzip_all(data)
            elif coding == "deflate":
                try:
                    data = zlib.decompress(data)
                except zlib.error:  # servers often send raw deflate without the zlib wrapper
                    data = zlib.decompress(data, -zlib.MAX_WBITS)
            elif coding == "br":
                import brotli

                data = brotli.decompress(data)
            elif coding == "zstd":
                try:
                    import zstandard
                except ImportError:
                    raise ValueError(f"{source}: Content-Encoding zstd needs the 'zstandard' "
                                     "package, which is not installed") from None
                data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
            else:
                raise ValueError(f"{source}: unsupported Content-Encoding {coding!r}")
        except (zlib.error, OSError, EOFError) as exc:
            raise ValueError(f"{source}: body is not valid {coding} ({exc})") from exc
        except Exception as exc:  # brotli.error has no stable import path across bindings
            if isinstance(exc, ValueError):
                raise
            raise ValueError(f"{source}: body is not valid {coding} ({exc})") from exc
    return data


def _gunzip_all(data: bytes) -> bytes:
    """gzip with possibly several members (RFC 1952 allows it)."""
    out = bytearray()
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out += d.decompress(data)
        if not d.eof:
            raise zlib.error("truncated gzip stream")
        data = d.unused_data
    return bytes(out)
