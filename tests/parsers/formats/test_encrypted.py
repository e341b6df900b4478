"""Password-protected documents say so, naming the file, instead of a generic "unreadable"."""

from __future__ import annotations

import io
import struct

import olefile
import pytest

from parsers.formats import extract
from parsers.formats.doc import convert, soffice_binary
from parsers.report import parse_document

from .builders import docx_report, pdf_report, xls_book, xlsx_book


def _ooxml_locked(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", out)
    return out.getvalue()


def _patched_stream(data: bytes, stream: str, patch) -> bytes:
    """``data`` with one OLE stream rewritten in place (same length) by ``patch``."""
    buf = io.BytesIO(data)
    ole = olefile.OleFileIO(buf, write_mode=True)
    ole.write_stream(stream, patch(ole.openstream(stream).read()))
    ole.close()
    return buf.getvalue()


def _assert_locked(doc, fmt: str, name: str, *words: str) -> None:
    assert doc.format == fmt
    assert doc.text == "" and doc.tables == []
    (warning,) = doc.warnings
    assert warning.startswith(name), warning
    for word in ("encrypted (password-protected)", "password is required", *words):
        assert word in warning, warning


@pytest.mark.timeout(60)
@pytest.mark.parametrize("build,fmt", [(docx_report, "docx"), (xlsx_book, "xlsx")])
def test_encrypted_ooxml_names_the_file_and_says_it_is_password_protected(build, fmt):
    locked = _ooxml_locked(build())
    _assert_locked(extract(locked, filename=f"locked.{fmt}"), fmt, "locked." + fmt, "OOXML")


@pytest.mark.timeout(60)
def test_encrypted_ooxml_without_a_telling_name_is_still_recognised():
    url = "http://www.ceshi.test/module/download/downfile.jsp?id=7"
    doc = extract(_ooxml_locked(docx_report()), url=url, content_type="application/octet-stream")
    _assert_locked(doc, "ooxml", url, "OOXML")


@pytest.mark.timeout(60)
def test_encrypted_xls_has_a_filepass_record():
    def filepass(stream: bytes) -> bytes:
        # replace the 2-byte record after BOF (xlwt writes INTERFACEHDR there) with FILEPASS
        bof_len = struct.unpack_from("<H", stream, 2)[0]
        pos = 4 + bof_len
        opcode, length = struct.unpack_from("<HH", stream, pos)
        assert length == 2, (hex(opcode), length)
        return stream[:pos] + struct.pack("<HHH", 0x002F, 2, 0) + stream[pos + 6 :]

    locked = _patched_stream(xls_book(), "Workbook", filepass)
    _assert_locked(extract(locked, filename="统计表.xls"), "xls", "统计表.xls", "XLS")
    assert extract(xls_book(), filename="统计表.xls").tables, "the unlocked workbook reads"


@pytest.mark.timeout(120)
@pytest.mark.skipif(soffice_binary() is None, reason="LibreOffice is not installed")
def test_encrypted_word97_document_has_fencrypted_in_its_fib():
    word97 = convert(docx_report(), "docx", "doc", timeout=90)

    def set_encrypted(fib: bytes) -> bytes:
        flags = struct.unpack_from("<H", fib, 10)[0] | 0x0100
        return fib[:10] + struct.pack("<H", flags) + fib[12:]

    locked = _patched_stream(word97, "WordDocument", set_encrypted)
    _assert_locked(extract(locked, filename="报告.doc"), "doc", "报告.doc", "DOC")
    _assert_locked(extract(locked, filename="报告.wps"), "wps", "报告.wps", "WPS")


@pytest.mark.timeout(60)
def test_encrypted_pdf_names_the_file():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_report())))
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    url = "http://www.ceshi.test/files/locked.pdf"
    result = parse_document(buf.getvalue(), url=url)
    assert result["text"] == "" and result["tables"]["t3"] is None
    assert any(w.startswith(url) and "encrypted (password-protected) PDF" in w
               for w in result["warnings"]), result["warnings"]
