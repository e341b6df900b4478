"""WARC digests: ``sha1:`` + base32, over the block and over the payload.

WARC 1.1 §5.9 defines the payload of an HTTP response as the entity body *with transfer encoding
removed and content encoding kept*. Many tools hash the raw, still-chunked bytes instead, which
makes two captures of the same document look different and breaks deduplication. These helpers
do it right for any HTTP block, including ones written by other tools that kept chunking.
"""

from __future__ import annotations

import base64
import hashlib


def sha1_digest(data: bytes | bytearray | memoryview) -> str:
    """``sha1:<BASE32>``, the form WARC-Block-Digest and WARC-Payload-Digest use."""
    return format_sha1(hashlib.sha1(data).digest())


def format_sha1(raw_digest: bytes) -> str:
    """Format a raw 20-byte SHA-1 as a WARC digest value."""
    return "sha1:" + base64.b32encode(raw_digest).decode("ascii")


def dechunk(data: bytes, *, source: str = "HTTP body") -> bytes:
    """Remove HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), strictly.

    Hand-written rather than warcio's ``ChunkedDataReader`` on purpose: that reader silently
    falls back to returning the raw bytes when the chunking is malformed, which would make a
    digest check pass or fail for the wrong reason. Here a malformed body raises ``ValueError``
    naming ``source``. Chunk extensions and trailers are accepted and dropped.
    """
    out = bytearray()
    pos = 0
    size_total = len(data)
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            raise ValueError(f"{source}: chunked body ends inside a chunk-size line at byte {pos}")
        size_field = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError:
            raise ValueError(f"{source}: bad chunk size {size_field[:20]!r} at byte {pos}") from None
        pos = eol + 2
        if size == 0:
            return bytes(out)  # trailers (if any) follow; they are not payload
        if pos + size + 2 > size_total:
            raise ValueError(f"{source}: chunk of {size} bytes at byte {pos} runs past the end")
        out += data[pos:pos + size]
        pos += size
        if data[pos:pos + 2] != b"\r\n":
            raise ValueError(f"{source}: chunk at byte {pos - size} is not followed by CRLF")
        pos += 2


def split_http_block(block: bytes, *, source: str = "HTTP block") -> tuple[bytes, bytes]:
    """Split an HTTP message into its header section (with the blank line) and its body."""
    end = block.find(b"\r\n\r\n")
    if end < 0:
        raise ValueError(f"{source}: no blank line ends the HTTP header section")
    return block[:end + 4], block[end + 4:]


def header_values(header_section: bytes, name: str) -> list[str]:
    """All values of header ``name`` (case-insensitive) in a raw HTTP header section."""
    wanted = name.lower().encode("ascii")
    values = []
    for line in header_section.split(b"\r\n")[1:]:
        key, sep, value = line.partition(b":")
        if sep and key.strip().lower() == wanted:
            values.append(value.strip().decode("latin-1"))
    return values


def is_chunked(header_section: bytes) -> bool:
    """Whether the last transfer coding named in ``Transfer-Encoding`` is ``chunked``."""
    codings = ",".join(header_values(header_section, "Transfer-Encoding"))
    names = [c.strip().lower() for c in codings.split(",") if c.strip()]
    return bool(names) and names[-1] == "chunked"


def _status_without_body(header_section: bytes) -> bool:
    """1xx, 204 and 304 responses have no body whatever their headers say (RFC 9112 §6.3)."""
    parts = header_section.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return False
    code = int(parts[1])
    return 100 <= code < 200 or code in (204, 304)


def http_payload(block: bytes, *, source: str = "HTTP block") -> bytes:
    """The payload of an HTTP message per WARC 1.1: body minus transfer coding, content coding kept."""
    headers, body = split_http_block(block, source=source)
    if is_chunked(headers) and not (_status_without_body(headers) and not body):
        return dechunk(body, source=source)
    return body


def http_payload_digest(block: bytes, *, source: str = "HTTP block") -> str:
    """WARC-Payload-Digest of an HTTP message block, correct for chunked messages."""
    return sha1_digest(http_payload(block, source=source))
