"""Walk a per-record-gzipped WARC member by member, checking each member is complete.

Hand-written on top of ``zlib`` because warcio's reader is built to be forgiving: a final gzip
member cut off by a crash decompresses "as far as it goes" without an error, so warcio alone
cannot tell a complete record from a torn one. Repair and verify need exactly that distinction:
a member is complete when zlib reaches its end (CRC32 and length checked) and the record inside
holds exactly ``Content-Length`` block bytes followed by the two CRLFs WARC requires.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

READ_SIZE = 1 << 20


@dataclass
class Member:
    """One gzip member of a WARC file. ``problem`` is None for a complete, well-formed record."""

    offset: int
    length: int
    headers: list[tuple[str, str]]
    block: bytes
    problem: str | None = None

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


def parse_record(data: bytes) -> tuple[list[tuple[str, str]], bytes, str | None]:
    """Split an uncompressed WARC record into headers and block; report what is malformed."""
    end = data.find(b"\r\n\r\n")
    if end < 0 or not data.startswith(b"WARC/"):
        return [], b"", "does not start with a WARC header section"
    lines = data[:end].decode("utf-8", "replace").split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            return headers, b"", f"malformed WARC header line {line[:60]!r}"
        headers.append((name.strip(), value.strip()))
    try:
        length = int(next(v for k, v in headers if k.lower() == "content-length"))
    except (StopIteration, ValueError):
        return headers, b"", "missing or invalid Content-Length"
    start = end + 4
    block = data[start:start + length]
    if len(block) < length:
        return headers, block, f"block has {len(block)} of {length} bytes (torn record)"
    if data[start + length:] != b"\r\n\r\n":
        return headers, block, "record does not end with exactly CRLF CRLF after its block"
    return headers, block, None


def iter_members(path: Path) -> Iterator[Member]:
    """Every gzip member of ``path`` in order. The last one yielded may carry a problem (torn);
    iteration stops at the first problem, since nothing after it can be trusted."""
    with open(path, "rb") as fh:
        offset = 0
        pending = b""
        while True:
            if not pending:
                pending = fh.read(READ_SIZE)
                if not pending:
                    return
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = bytearray()
            consumed = 0
            try:
                while True:
                    out += d.decompress(pending)
                    if d.eof:
                        used = len(pending) - len(d.unused_data)
                        consumed += used
                        pending = d.unused_data
                        break
                    consumed += len(pending)
                    pending = fh.read(READ_SIZE)
                    if not pending:
                        break
            except zlib.error as exc:
                yield Member(offset, consumed, [], b"", f"invalid gzip data ({exc})")
                return
            if not d.eof:
                yield Member(offset, consumed, [], bytes(out[:0]),
                             "gzip member cut off before its end (torn record)")
                return
            headers, block, problem = parse_record(bytes(out))
            yield Member(offset, consumed, headers, block, problem)
            if problem:
                return
            offset += consumed
