"""Format detection trusts bytes over names and types, and plain text is read like a page."""

from __future__ import annotations

import pytest

from parsers.formats import extract, sniff

from .builders import docx_report, html_page, pdf_report, xls_book, xlsx_book


@pytest.mark.parametrize("build,fmt", [(pdf_report, "pdf"), (docx_report, "docx"), (xlsx_book, "xlsx"),
                                       (xls_book, "xls"), (html_page, "html")])
def test_bytes_decide_whatever_the_name_and_type(build, fmt):
    assert sniff(build(), url="http://x.test/module/download/downfile.jsp?id=3",
                 content_type="application/octet-stream") == fmt
    assert sniff(build(), filename="misnamed.txt") == fmt


def test_names_decide_what_bytes_cannot():
    rtf = b"{\\rtf1\\ansi hello}"
    assert sniff(rtf, filename="report.doc") == "doc"
    assert sniff(rtf, filename="report.wps") == "wps"
    assert sniff(b"plain words", content_type="text/plain") == "text"
    assert sniff(b"<p>fragment</p>", filename="a.txt") == "html"  # markup is markup
    assert sniff(b"<html><body>x</body></html>", filename="a.pdf") == "html"


def test_plain_text_in_gbk_with_fields_and_signature_date():
    body = "索引号：123/2024-1\n发布机构：测试县民政局\n\n正文第一段。\n\n测试县民政局\n2024年1月18日\n"
    doc = extract(body.encode("gbk"), filename="report.txt")
    assert doc.format == "text" and doc.charset == "gb18030"
    assert doc.fields == {"索引号": "123/2024-1", "发布机构": "测试县民政局"}
    assert ("text_end", "2024年1月18日") in doc.dates
    assert "正文第一段。" in doc.text
