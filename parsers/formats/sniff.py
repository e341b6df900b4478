"""Decide a document's format: magic bytes first, then the HTTP content type, then the extension.

Servers of government portals routinely send PDFs as ``application/octet-stream`` and DOC files
named ``.pdf`` or served by ``downfile.jsp``, so the bytes are the first witness; the content type
and the file name only decide what the bytes cannot (HTML vs text, DOC vs WPS).
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote, urlsplit

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_CT_FORMATS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/kswps": "wps",
    "application/vnd.ms-works": "wps",
    "application/wps-office.wps": "wps",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/ofd": "ofd",
    "text/plain": "text",
}
_EXT_FORMATS = {
    "html": "html", "htm": "html", "shtml": "html", "jhtml": "html", "xhtml": "html",
    "jsp": "html", "asp": "html", "aspx": "html", "php": "html",
    "pdf": "pdf", "docx": "docx", "doc": "doc", "wps": "wps", "xls": "xls", "xlsx": "xlsx",
    "et": "xls", "ofd": "ofd", "txt": "text",
}


def extension(url: str | None, filename: str | None) -> str:
    """The lower-case extension of the file name, else of the URL path (query ignored)."""
    for name in (filename, urlsplit(url).path if url else None):
        if name:
            base = unquote(name).rsplit("/", 1)[-1]
            if "." in base:
                return base.rsplit(".", 1)[-1].lower().strip()
    return ""


def _ct_format(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return _CT_FORMATS.get(content_type.split(";", 1)[0].strip().lower())


def claimed_format(url: str | None, content_type: str | None, filename: str | None) -> str | None:
    """The format the content type, else the file name's extension, claims (not the bytes)."""
    return _ct_format(content_type) or _EXT_FORMATS.get(extension(url, filename))


def _zip_format(data: bytes) -> str:
    """docx / xlsx / ofd by the members the container holds."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names or any(n.lower() == "ofd.xml" for n in names):
        return "ofd"
    return "zip"


def _ole_format(data: bytes, ext: str) -> str:
    """doc / wps / xls by the OLE streams present (olefile); WPS files are OLE Word documents,
    told apart from DOC only by their name."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        streams = {"/".join(s).lower() for s in ole.listdir(streams=True, storages=False)}
        ole.close()
    except Exception:  # olefile raises bare OSError/struct errors and more on corrupt input
        streams = set()
    if "encryptedpackage" in streams and "encryptioninfo" in streams:
        return "encrypted_ooxml"  # a password-protected DOCX/XLSX/PPTX is an OLE file
    if "workbook" in streams or "book" in streams or ext in ("xls", "et"):
        return "xls"
    if "worddocument" in streams or ext in ("doc", "wps"):
        return "wps" if ext == "wps" else "doc"
    return "ole"


_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<title|<div|<table|<p\b|<!--)", re.I)


def sniff(
    data: bytes, *, url: str | None = None, content_type: str | None = None,
    filename: str | None = None,
) -> str:
    """Return the format name ExtractedDocument.format uses for these bytes."""
    ext = extension(url, filename)
    head = data[:1024]
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if data[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        fmt = _zip_format(data)
        if fmt != "zip":
            return fmt
        by_hint = _ct_format(content_type) or _EXT_FORMATS.get(ext)
        return by_hint if by_hint in ("docx", "xlsx", "ofd") else "unknown"
    if data[:8] == OLE_MAGIC:
        fmt = _ole_format(data, ext)
        return fmt if fmt != "ole" else "unknown"
    if _HTML_START.match(stripped[:200]) or _HTML_START.match(_utf16_ascii(head)):
        return "html"
    if data[:5] == b"{\\rtf":  # RTF saved under a .doc/.wps name: LibreOffice reads it
        return "wps" if ext == "wps" else "doc"
    by_hint = _ct_format(content_type) or _EXT_FORMATS.get(ext)
    if by_hint in ("html", "text"):
        return by_hint
    if _looks_textual(head):
        # a name or type promising a binary format over bytes that are text: trust the bytes
        return "html" if b"<" in head and b">" in head else "text"
    # binary bytes without the magic of the format their name or type claims: not that format
    return "unknown"


def _utf16_ascii(head: bytes) -> bytes:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", "ignore").encode("ascii", "ignore")
    return b""


def _looks_textual(head: bytes) -> bool:
    if not head:
        return False
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control / len(head) < 0.02
