"""The real 洪泽区 2023 report PDF, end to end through parse_document.

Expected numbers read by eye from ``pdftotext -layout`` of the file (see tests/fixtures/real).
It is a genuinely inconsistent report: 表四's 行政复议 row reads 10 upheld, 1 corrected, total 0.
"""

from __future__ import annotations

import pytest

from parsers.report import parse_document
from parsers.tables import T3_COLUMNS


def _row(*values):
    return dict(zip(T3_COLUMNS, values, strict=True))


@pytest.fixture(scope="module")
def hongze(real_pdf):
    return parse_document(real_pdf.read_bytes(), url="https://www.hongze.gov.cn/a.pdf")


def test_metadata(hongze):
    assert hongze["format"] == "pdf"
    assert hongze["kind"] == "annual_report" and hongze["is_report"] is True
    assert hongze["title"] == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert hongze["agency"] == "淮安市洪泽区人民政府"  # the government's own report, not its office's
    assert hongze["region_code"] == "320813"
    assert hongze["region_name"] == "洪泽区"
    assert hongze["year"] == 2023
    assert hongze["template"] == "2021"
    assert hongze["sections"] == ["一", "二", "三", "四", "五", "六"]


def test_table_three_exactly(hongze):
    zero = _row(0, 0, 0, 0, 0, 0, 0)
    expected = {
        "received": _row(21, 0, 0, 0, 0, 0, 21),
        "carried_in": zero,
        "granted": zero,
        "partial": _row(4, 0, 0, 0, 0, 0, 4),
        "denied.state_secret": _row(1, 0, 0, 0, 0, 0, 1),
        "denied.prohibited": zero,  # printed as "2.其他法律行政止公开" (sic)
        "denied.security": zero,
        "denied.third_party": zero,
        "denied.internal": zero,
        "denied.process": _row(1, 0, 0, 0, 0, 0, 1),
        "denied.enforcement": _row(1, 0, 0, 0, 0, 0, 1),
        "denied.inquiry": zero,
        "unavailable.not_held": _row(10, 0, 0, 0, 0, 0, 10),
        "unavailable.needs_creation": _row(3, 0, 0, 0, 0, 0, 3),
        "unavailable.unclear": zero,
        "not_processed.petition": _row(1, 0, 0, 0, 0, 0, 1),
        "not_processed.duplicate": zero,
        "not_processed.publication": zero,
        "not_processed.vexatious": zero,
        "not_processed.confirmation": zero,
        "other": zero,  # this 2021-template report keeps 其他处理 as one row
        "result_total": _row(21, 0, 0, 0, 0, 0, 21),
        "carried_out": zero,
    }
    assert hongze["tables"]["t3"] == expected


def test_table_four_exactly_and_its_inconsistency_is_reported(hongze):
    assert hongze["tables"]["t4"] == {
        "review": {"upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0},
        "suit_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
        "suit_after_review": {"upheld": 5, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    }
    t4a = hongze["checks"]["T4-A"]
    assert t4a["ok"] is False
    failed = {d["group"]: (d["total"], d["sum"]) for d in t4a["details"] if "group" in d}
    assert failed == {"review": (0, 11), "suit_after_review": (0, 5)}
    for rule in ("T3-A", "T3-B", "T3-C"):
        assert hongze["checks"][rule]["ok"] is True, rule


def test_table_two_v2_labels(hongze):
    t2 = hongze["tables"]["t2"]
    assert t2["normative"] == {"issued": 0, "repealed": 5, "in_force": 5}
    assert t2["licensing"] == {"decisions": 550}
    assert t2["penalty"] == {"decisions": 4119}
    assert t2["coercion"] == {"decisions": 195}
    assert t2["fees"] == {"amount": 77_302_800.0}  # 7730.28 万元


def test_no_publication_date_is_invented(hongze):
    # the PDF prints no date after 2023; its statistics period is rejected, its file
    # properties are shown but never chosen, and the URL has no date
    assert hongze["published"] is None
    rejected = [c for c in hongze["published_candidates"] if c.get("rejected")]
    assert {c["date"] for c in rejected} >= {"2023-01-01", "2023-12-31"}


def test_the_article_page_that_links_the_pdf_dates_it(real_pdf):
    referrer = (
        "<html><head><meta charset='utf-8'>"
        "<meta name='ArticleTitle' content='洪泽区人民政府2023年政府信息公开工作年度报告'>"
        "<meta name='PubDate' content='2024-01-18 09:30'>"
        "<meta name='SiteIDCode' content='3208130001'></head>"
        "<body><div>附件：<a href='a.pdf'>年度报告.pdf</a></div></body></html>"
    ).encode()
    result = parse_document(real_pdf.read_bytes(), url="https://www.hongze.gov.cn/a.pdf",
                            referrer_html=referrer)
    assert result["published"] == "2024-01-18"
    assert result["published_source"] == "meta_pubdate"
    assert result["region_code"] == "320813"
