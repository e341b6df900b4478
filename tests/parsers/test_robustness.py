"""Hostile or broken input to the report semantics: never a crash, and a clear result."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.formats.base import ExtractedDocument, Table
from parsers.report import parse_document, parse_extracted

_PIECES = st.sampled_from([
    "\t", "\n", " ", "0", "12", "—", "/", "+3", "-4", "万元", "一、本年新收政府信息公开申请数量",
    "(三)不予公开", "3.其他", "(六)其他处理", "(七)总计", "四、结转下年度继续办理", "行政复议",
    "尚未审结", "信息内容", "本年制发件数", "规章", "二〇二四年一月十五日", "2024年13月45日",
    "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况", "吴忠市民政局",
    "2023年政府信息公开工作年度报告", "\u3000", "\x00",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=120).map("".join),
       st.lists(st.lists(st.lists(_PIECES, max_size=3).map("".join), max_size=12), max_size=12))
def test_parse_extracted_never_raises(text, grid):
    doc = ExtractedDocument(format="html", text=text, tables=[Table(rows=grid)],
                            html_meta={"PubDate": text[:20], "SiteIDCode": text[-10:]})
    result = parse_extracted(doc, url="http://x.gov.test/" + text[:30])
    assert result["kind"] in ("annual_report", "interpretation", "notice", "other")
    assert isinstance(result["warnings"], list)


def test_garbage_bytes_give_an_empty_result_with_a_warning():
    result = parse_document(b"\x00\xff" * 500, url="http://x.gov.test/a.pdf",
                            content_type="application/pdf")
    assert result["is_report"] is False
    assert result["tables"] == {"t2": None, "t3": None, "t4": None}
    assert result["warnings"]
