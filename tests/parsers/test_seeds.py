"""The five real seed reports, as flattened text, parsed into the fields a watchdog relies on.

Every expectation below was read by eye from tests/fixtures/seeds/*.txt (and, for the real
PDF, from ``pdftotext -layout``), not produced by the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.formats.base import ExtractedDocument
from parsers.report import parse_document, parse_extracted
from parsers.tables import T3_COLUMNS

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"

V1_ROWS = (
    "received", "carried_in", "granted", "partial",
    "denied.state_secret", "denied.prohibited", "denied.security", "denied.third_party",
    "denied.internal", "denied.process", "denied.enforcement", "denied.inquiry",
    "unavailable.not_held", "unavailable.needs_creation", "unavailable.unclear",
    "not_processed.petition", "not_processed.duplicate", "not_processed.publication",
    "not_processed.vexatious", "not_processed.confirmation", "other", "result_total",
    "carried_out",
)


def _row(natural_person, business, research, social_org, legal_service, other_org, total):
    return dict(zip(T3_COLUMNS, (natural_person, business, research, social_org, legal_service,
                                 other_org, total), strict=True))


ALL_ZERO_T3 = {key: _row(0, 0, 0, 0, 0, 0, 0) for key in V1_ROWS}

# 聊城市民政局 2020: 6 applications from natural persons, all granted; every other cell blank.
LIAOCHENG_T3 = dict(ALL_ZERO_T3)
LIAOCHENG_T3["received"] = _row(6, 0, 0, 0, 0, 0, 6)
LIAOCHENG_T3["granted"] = _row(6, 0, 0, 0, 0, 0, 6)
LIAOCHENG_T3["result_total"] = _row(6, 0, 0, 0, 0, 0, 6)


def _parse_seed(name: str) -> dict:
    text = (SEEDS / name).read_text(encoding="utf-8")
    return parse_extracted(ExtractedDocument(format="text", text=text))


SEED_EXPECTATIONS = [
    # file, agency, region code, year, template, 表三
    ("000_7016eb35578ea529.txt", "吴忠市民政局", "640300", 2020, "2019", ALL_ZERO_T3),
    ("002_c88b532b1796c0d9.txt", "秀洲区民政局", "330411", 2020, "2019", ALL_ZERO_T3),
    ("003_9d95345f879c4801.txt", "聊城市民政局", "371500", 2020, "2019", LIAOCHENG_T3),
    ("004_bd2728a2fb5b3f82.txt", "吴忠市利通区人民政府办公室", "640302", 2020, "2019", ALL_ZERO_T3),
]


@pytest.mark.parametrize("name,agency,region,year,template,t3", SEED_EXPECTATIONS,
                         ids=[s[0][:3] for s in SEED_EXPECTATIONS])
def test_seed_fields_and_every_t3_number(name, agency, region, year, template, t3):
    result = _parse_seed(name)
    assert result["is_report"] is True
    assert result["kind"] == "annual_report"
    assert result["agency"] == agency
    assert result["region_code"] == region
    assert result["year"] == year
    assert result["template"] == template
    assert result["tables"]["t3"] == t3
    assert result["sections"] == ["一", "二", "三", "四", "五", "六"]


@pytest.mark.parametrize("name,agency,region,year,template,t3", SEED_EXPECTATIONS,
                         ids=[s[0][:3] for s in SEED_EXPECTATIONS])
def test_seed_read_from_its_txt_file_by_the_text_reader(name, agency, region, year, template, t3):
    """The same seeds as files: the plain-text reader keeps Word's cell-per-line blank cells
    (lines holding only a tab) and trailing blank cells, so 表三 comes out whole."""
    data = (SEEDS / name).read_bytes()
    result = parse_document(data, url=f"http://www.ceshi.test/files/{name}")
    assert result["format"] == "text"
    assert (result["agency"], result["region_code"], result["year"], result["template"]) == (
        agency, region, year, template)
    assert result["tables"]["t3"] == t3
    assert not [w for w in result["warnings"] if "left null" in w], result["warnings"]


def test_pre_2019_seed_is_a_2008_era_report_dated_by_its_signature():
    result = _parse_seed("001_81b4ed55c119b43f.txt")
    assert result["kind"] == "annual_report"
    assert result["agency"] == "吴忠市民政局"
    assert result["region_code"] == "640300"
    assert result["year"] == 2017
    assert result["template"] == "2008"
    assert result["tables"]["t3"] is None  # no national 表三 before 2019
    assert result["published"] == "2018-03-26"
    assert result["published_source"] == "signature"
    assert "2018年 3月 26日" in result["published_evidence"]


def test_seed_table_two_values_units_and_signs():
    t2 = _parse_seed("000_7016eb35578ea529.txt")["tables"]["t2"]
    assert t2["normative"] == {"made": 0, "published": 0, "total": 1}
    assert t2["licensing"] == {"prev_items": 5, "change": 0, "decisions": 29}
    assert t2["other_services"] == {"prev_items": 4, "change": 0, "decisions": 261}
    assert t2["penalty"] == {"prev_items": 13, "change": 13, "decisions": 0}  # "+13"
    assert t2["procurement"] == {"projects": 10, "amount": 7_735_000.0}  # "773.5 万元"
    t2 = _parse_seed("002_c88b532b1796c0d9.txt")["tables"]["t2"]
    assert t2["procurement"] == {"projects": 24, "amount": 2_215_600.0}  # "2215600元"
    t2 = _parse_seed("003_9d95345f879c4801.txt")["tables"]["t2"]
    # a local extra column (本年项目数量) is skipped, negative changes kept
    assert t2["other_services"] == {"prev_items": 92, "change": -85, "decisions": 45}
    assert t2["rules"] == {"made": 2, "published": 1, "total": 1}
    assert t2["procurement"] == {"projects": 11, "amount": 4_349_360.0}  # "434.936万元"


def test_seed_table_four():
    zeros = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
    for name in ("000_7016eb35578ea529.txt", "002_c88b532b1796c0d9.txt",
                 "003_9d95345f879c4801.txt"):
        t4 = _parse_seed(name)["tables"]["t4"]
        assert t4 == {"review": zeros, "suit_direct": zeros, "suit_after_review": zeros}, name
    # 利通区 printed the 表四 header and left the form blank: zeros, and a warning saying so
    result = _parse_seed("004_bd2728a2fb5b3f82.txt")
    assert result["tables"]["t4"] == {"review": zeros, "suit_direct": zeros,
                                      "suit_after_review": zeros}
    assert result["checks"]["T4-A"]["ok"] is True
    assert any("表四" in w and "zeros" in w for w in result["warnings"])


def test_seed_checks_pass_where_the_tables_are_consistent():
    for name, *_ in SEED_EXPECTATIONS:
        checks = _parse_seed(name)["checks"]
        assert checks["T3-A"]["ok"] is True, name
        assert checks["T3-B"]["ok"] is True, name
        assert checks["T3-C"]["ok"] is True, name


def test_seed_with_an_inconsistent_total_fails_the_checks_with_its_numbers():
    """聊城 2020 with its 总计 row edited from 6 to 7 (a typo real reports contain)."""
    text = (SEEDS / "003_9d95345f879c4801.txt").read_text(encoding="utf-8")
    head, tail = text.split("（七）总计\n\t6\n", 1)
    edited = head + "（七）总计\n\t7\n" + tail
    result = parse_extracted(ExtractedDocument(format="text", text=edited))
    assert result["tables"]["t3"]["result_total"]["natural_person"] == 7
    a = result["checks"]["T3-A"]
    assert a["ok"] is False
    assert {"column": "natural_person", "received": 6, "carried_in": 0, "result_total": 7,
            "carried_out": 0, "left": 6, "right": 7} in a["details"]
    b = result["checks"]["T3-B"]
    assert b["ok"] is False
    assert b["details"][0]["result_total"] == 7 and b["details"][0]["sum_of_outcomes"] == 6
    c = result["checks"]["T3-C"]
    assert c["ok"] is False
    assert c["details"][0]["row"] == "result_total"
    assert c["details"][0]["total"] == 6 and c["details"][0]["sum_of_applicants"] == 7


def test_prose_that_contradicts_table_three_is_flagged_not_failed():
    """利通区 2020 writes "收到1件政府信息公开申请" above a 表三 of zeros (a real inconsistency)."""
    result = _parse_seed("004_bd2728a2fb5b3f82.txt")
    assert result["flags"] == [{
        "rule": "prose_received", "prose": 1, "table_received": 0, "table_carried_in": 0,
        "snippet": "年，利通区人民政府办公室收到1件政府信息公开申请，目",
    }]
    assert result["checks"]["T3-A"]["ok"] is True  # the table itself is consistent
    assert _parse_seed("003_9d95345f879c4801.txt")["flags"] == []  # "共接收依申请公开6条" = 6
