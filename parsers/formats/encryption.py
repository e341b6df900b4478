"""Password-protected Office files, recognised before any reader tries (and fails) on them.

Each format marks encryption in its own way, and the readers' own errors for it are generic
("not a zip file", "unsupported format", a LibreOffice password prompt that headless mode turns
into a failed conversion). A user who gets "unreadable docx" has no idea that the file is fine
but locked, so the container is inspected first:

* OOXML (DOCX/XLSX/PPTX) with a password is not a zip at all: it is an OLE compound file with
  an ``EncryptionInfo`` and an ``EncryptedPackage`` stream (MS-OFFCRYPTO);
* Word 97-2003 (DOC, and WPS, which shares the format) sets ``fEncrypted`` in the FIB header
  of its ``WordDocument`` stream (MS-DOC 2.5.2);
* Excel 97-2003 (XLS) has a ``FILEPASS`` record (0x002F) among the first records of its
  workbook globals (MS-XLS 2.4.117).

PDFs are checked by the PDF reader itself, which must open the file anyway.
"""

from __future__ import annotations

import io
import struct

_FILEPASS = 0x002F
_EOF = 0x000A


def encryption_problem(data: bytes, fmt: str) -> str | None:
    """Why an OLE file of sniffed format ``fmt`` cannot be read without a password, or None.

    ``fmt`` is what :func:`parsers.formats.sniff.sniff` said ("encrypted_ooxml", "doc", "wps",
    "xls"); other formats are never encrypted in a way this module knows."""
    if fmt == "encrypted_ooxml":
        return ("encrypted (password-protected) OOXML document (an EncryptedPackage inside an "
                "OLE container); a password is required to read it")
    if fmt not in ("doc", "wps", "xls"):
        return None
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # a corrupt container is the reader's problem, reported by it
        return None
    try:
        if fmt in ("doc", "wps") and ole.exists("WordDocument"):
            fib = ole.openstream("WordDocument").read(12)
            if len(fib) == 12 and struct.unpack_from("<H", fib, 10)[0] & 0x0100:
                label = "WPS" if fmt == "wps" else "Word 97-2003 (DOC)"
                return (f"encrypted (password-protected) {label} document (fEncrypted set in "
                        "its FIB); a password is required to read it")
        if fmt == "xls":
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name and _has_filepass(ole.openstream(name).read(64 * 1024)):
                return ("encrypted (password-protected) Excel 97-2003 (XLS) workbook (FILEPASS "
                        "record); a password is required to read it")
    except Exception:  # unreadable streams: let the reader report what is wrong
        return None
    finally:
        ole.close()
    return None


def _has_filepass(stream: bytes) -> bool:
    """Whether the workbook globals (records up to the first EOF) hold a FILEPASS record; it
    comes right after BOF and a few header records when present."""
    pos = 0
    for _ in range(200):
        if pos + 4 > len(stream):
            return False
        opcode, length = struct.unpack_from("<HH", stream, pos)
        if opcode == _FILEPASS:
            return True
        if opcode == _EOF:
            return False
        pos += 4 + length
    return False
