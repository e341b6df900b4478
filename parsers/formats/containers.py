"""Safe opening of zip containers (DOCX, XLSX, OFD) before any library reads them.

A zip bomb is only dangerous once something decompresses it, and python-docx/openpyxl read
members whole; so the central directory's declared sizes and ratios are checked first (zipfile
itself never yields more than a member's declared size, which makes the declared numbers a real
bound). XML entity tricks (billion laughs, external entities) need a DTD, and no OOXML or OFD
part legitimately carries one, so any part whose prolog declares a DOCTYPE is refused outright
instead of trusting each library's parser settings.
"""

from __future__ import annotations

import io
import re
import zipfile

from parsers.formats.base import Limits


class Refused(Exception):
    """The input was refused before parsing; the message says why (for the warning)."""


def open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open ``data`` as a zip after checking member count, declared total size and per-member
    compression ratio against ``limits``. Raises Refused with the reason."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused(f"not a readable zip container ({exc})") from exc
    if len(infos) > limits.max_zip_members:
        raise Refused(f"zip has {len(infos)} members (limit {limits.max_zip_members})")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refused(f"zip member {info.filename} is encrypted")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limits.max_zip_ratio:
            raise Refused(
                f"zip bomb suspected: member {info.filename} expands {ratio:.0f}x "
                f"to {info.file_size} bytes (ratio limit {limits.max_zip_ratio:.0f})"
            )
    if total > limits.max_unzipped_bytes:
        raise Refused(
            f"zip bomb suspected: members declare {total} bytes uncompressed "
            f"(limit {limits.max_unzipped_bytes})"
        )
    return zf


_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


def refuse_dtds(zf: zipfile.ZipFile, suffixes: tuple[str, ...] = (".xml", ".rels")) -> None:
    """Refuse the container if any XML part declares a DTD or entities in its prolog.

    Only the prolog (up to the root element, read at most 64 KiB) is scanned: a DOCTYPE cannot
    appear after it. A part whose root element does not start within 64 KiB is refused too,
    since only padding meant to hide a DTD pushes it that far. Parts are XML by name (``.xml``,
    ``.rels``) or by content (they start with ``<``): relationships may point at any part name,
    so a renamed part must not escape the scan."""
    for info in zf.infolist():
        if info.file_size == 0 or info.is_dir():
            continue
        named_xml = info.filename.lower().endswith(suffixes)
        try:
            with zf.open(info) as fh:
                head = fh.read(65536)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise Refused(f"zip member {info.filename} is unreadable ({exc})") from exc
        text = head.decode("utf-16", "ignore").encode() if head[:2] in (b"\xff\xfe", b"\xfe\xff") else head
        # a part is XML by its content too: relationships may point at any part name
        stripped = text.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not named_xml and not stripped.startswith(b"<") and (stripped or len(head) < 65536):
            continue
        root = _ROOT_START.search(text)
        prolog = text[: root.start()] if root else text
        # by name: any DTD; by content only (media such as SVG may carry a harmless public
        # DOCTYPE): entity declarations, which every expansion attack needs
        if (_DTD if named_xml else _ENTITY).search(prolog):
            raise Refused(f"XML part {info.filename} declares a DTD/entities (entity expansion attack?)")
        if root is None and len(head) >= 65536:
            raise Refused(f"XML part {info.filename} has no root element in its first 64 KiB")


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """Read one member whose size was already bounded by :func:`open_zip`."""
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise Refused(f"zip member {name} is unreadable ({exc})") from exc
