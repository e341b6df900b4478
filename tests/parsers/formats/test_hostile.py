"""Bad and hostile inputs: each gives an empty document with a clear warning, never an
exception, a hang or a memory blow-up. Timeouts here are generous hang detectors only."""

from __future__ import annotations

import io
import zipfile

import pytest

from parsers.formats import Limits, extract
from parsers.formats.base import failed
from parsers.formats.isolate import run_isolated

from .builders import docx_report, html_page, ofd_document, pdf_pages, pdf_report, xlsx_book

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>"
)


def _replace_member(data: bytes, name: str, content: bytes, compress=zipfile.ZIP_DEFLATED) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as out:
        for info in src.infolist():
            out.writestr(info.filename, content if info.filename == name else src.read(info.filename))
    return buf.getvalue()


def _empty_with_warning(doc, fmt, *words):
    assert doc.format == fmt
    assert doc.text == "" and doc.tables == []
    assert doc.warnings, "a refused document must say why"
    joined = " ".join(doc.warnings)
    for w in words:
        assert w in joined, joined


@pytest.mark.timeout(60)
def test_truncated_pdf():
    data = pdf_report()
    doc = extract(data[: len(data) // 2], filename="cut.pdf")
    assert doc.format == "pdf" and doc.warnings
    assert doc.tables == []


@pytest.mark.timeout(60)
def test_encrypted_pdf_says_a_password_is_needed():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_report())))
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    _empty_with_warning(extract(buf.getvalue(), filename="locked.pdf"), "pdf", "encrypted", "password")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["x.pdf", "x.docx", "x.xlsx", "x.xls", "x.doc", "x.ofd", "x.html", "x"])
def test_corrupt_bytes_under_every_name(name):
    junk = bytes((i * 7919 + 13) % 256 for i in range(5000))
    doc = extract(junk, filename=name)
    assert doc.text == "" or doc.format in ("text", "html")
    assert doc.tables == []


@pytest.mark.timeout(60)
@pytest.mark.parametrize("magic", [b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_magic_bytes_followed_by_garbage(magic):
    doc = extract(magic + b"\x00\xff" * 300)
    assert doc.text == "" and doc.warnings


@pytest.mark.timeout(60)
@pytest.mark.parametrize("build,part,fmt", [(docx_report, "word/document.xml", "docx"),
                                             (xlsx_book, "xl/worksheets/sheet1.xml", "xlsx")])
def test_zip_bomb_is_refused_before_decompression(build, part, fmt):
    bomb = _replace_member(build(), part, b"<w/>" + b" " * (30 * 1024 * 1024))
    _empty_with_warning(extract(bomb, filename=f"bomb.{fmt}"), fmt, "zip bomb", part)


@pytest.mark.timeout(60)
def test_declared_total_size_is_bounded():
    doc = extract(docx_report(), filename="r.docx", limits=Limits(max_unzipped_bytes=10_000))
    _empty_with_warning(doc, "docx", "uncompressed")


@pytest.mark.timeout(60)
def test_billion_laughs_in_docx_is_refused():
    xml = (BILLION_LAUGHS + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>").encode()
    bomb = _replace_member(docx_report(), "word/document.xml", xml)
    _empty_with_warning(extract(bomb, filename="laughs.docx"), "docx", "DTD", "word/document.xml")


@pytest.mark.timeout(60)
def test_billion_laughs_in_ofd_is_refused():
    data = ofd_document(["&lol9;", "正文"], doctype=BILLION_LAUGHS.split("?>", 1)[1])
    _empty_with_warning(extract(data, filename="laughs.ofd"), "ofd", "DTD")


@pytest.mark.timeout(60)
def test_external_entity_is_never_fetched():
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "http://198.51.100.1/secret">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
    doc = extract(_replace_member(docx_report(), "word/document.xml", xml), filename="xxe.docx")
    _empty_with_warning(doc, "docx", "DTD")


@pytest.mark.timeout(60)
def test_ten_megabyte_html_page():
    filler = b"<p>" + "填充文字".encode() * 30 + b"</p>"
    page = html_page().replace(b"</body>", filler * (10 * 1024 * 1024 // len(filler)) + b"</body>")
    _empty_with_warning(extract(page, url="http://www.ceshi.test/big.html"), "html", "exceeds the HTML limit")


@pytest.fixture(scope="module")
def huge_pdf() -> bytes:
    return pdf_pages(2000)


@pytest.mark.timeout(120)
def test_two_thousand_page_pdf_is_read_up_to_the_page_cap(huge_pdf):
    doc = extract(huge_pdf, filename="huge.pdf")
    assert doc.format == "pdf" and doc.pages == 2000
    assert any("only the first 200" in w for w in doc.warnings)
    assert "page 200" in doc.text and "page 201" not in doc.text


@pytest.mark.timeout(60)
def test_deadline_stops_a_long_read(huge_pdf):
    # a budget smaller than opening the file takes: the page loop must stop at once (the
    # isolated child still gets its grace second to hand the partial result back)
    doc = extract(huge_pdf, filename="huge.pdf", limits=Limits(max_seconds=0.001, max_pages=2000))
    assert doc.format == "pdf" and doc.pages == 2000
    assert any("time limit" in w and "at page 1;" in w for w in doc.warnings)
    assert "page 2" not in doc.text


def _spin(*_args):
    while True:
        pass


def _hog(*_args):
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


@pytest.mark.timeout(60)
def test_isolated_reader_is_killed_at_the_deadline():
    doc = run_isolated(_spin, (), "pdf", "spin.pdf", Limits(max_seconds=1.0))
    _empty_with_warning(doc, "pdf", "spin.pdf", "longer than 1 s")


@pytest.mark.timeout(60)
def test_isolated_reader_memory_is_capped():
    doc = run_isolated(_hog, (), "pdf", "hog.pdf", Limits(max_memory_mb=256))
    _empty_with_warning(doc, "pdf", "hog.pdf", "memory")


def test_isolated_result_comes_back_intact():
    doc = run_isolated(failed, ("pdf", "a.pdf", "because"), "pdf", "a.pdf", Limits())
    assert doc.warnings == ["a.pdf: because"]


def test_input_size_cap_and_empty_input():
    _empty_with_warning(extract(b"x" * 2000, filename="a.txt", limits=Limits(max_bytes=1000)), "text", "exceeds")
    assert extract(b"", filename="a.pdf").warnings


def test_warnings_name_the_document():
    doc = extract(b"%PDF-1.4 broken", url="http://www.ceshi.test/a/b.pdf")
    assert any(w.startswith("http://www.ceshi.test/a/b.pdf") for w in doc.warnings)


def test_oversized_table_is_dropped_with_a_warning_and_the_text_kept():
    rows = "".join(f"<tr>{''.join(f'<td>{i}-{j}</td>' for j in range(10))}</tr>" for i in range(30))
    page = f"<html><body><p>正文第一段。</p><table>{rows}</table><p>正文第二段。</p></body></html>".encode()
    doc = extract(page, limits=Limits(max_table_cells=100))
    assert doc.tables == []
    assert any("table dropped" in w and "300 cells" in w for w in doc.warnings)
    assert "正文第一段。" in doc.text and "正文第二段。" in doc.text
