"""Simulated report content: realistic titles and prose, numbers that obey (or visibly break)
the consistency rules of DOMAIN.md §4, all three template eras, determinism."""

from __future__ import annotations

import datetime
import random
import re

import pytest

from sandbox.content import ReportContent, make_report_content

APPLICANTS = ["natural_person", "business", "research", "social_org", "legal_service", "other_org"]
NOT_OUTCOMES = {"received", "carried_in", "result_total", "carried_out"}

AGENCIES = [
    ("聊城市民政局", "聊城市"),
    ("吴忠市利通区人民政府", "吴忠市利通区"),
    ("秀洲区人民政府办公室", "秀洲区"),
    ("嘉兴市生态环境局", "嘉兴市"),
]
ERAS = [("2008", 2016), ("2019", 2020), ("2021", 2023)]


def _make(seed: int, template: str, year: int, consistent: bool = True, **kw) -> ReportContent:
    agency, region = AGENCIES[seed % len(AGENCIES)]
    return make_report_content(
        random.Random(seed),
        agency_name=agency,
        region_name=region,
        year=year,
        template=template,
        consistent=consistent,
        **kw,
    )


def _failed_rules(c: ReportContent) -> set[str]:
    """The rules of DOMAIN.md §4 written out again here, independently of sandbox.content."""
    failed = set()
    t3, t4 = c.t3, c.t4
    get = lambda row, col: t3.get(row, {}).get(col, 0)  # noqa: E731
    columns = {col for cells in t3.values() for col in cells}
    for col in columns:
        if get("received", col) + get("carried_in", col) != get("result_total", col) + get("carried_out", col):
            failed.add("T3-A")
        outcomes = sum(get(row, col) for row in t3 if row not in NOT_OUTCOMES)
        if outcomes != get("result_total", col):
            failed.add("T3-B")
    if set(APPLICANTS) <= columns:
        for cells in t3.values():
            if sum(cells[a] for a in APPLICANTS) != cells["total"]:
                failed.add("T3-C")
    for cells in t4.values():
        if cells["upheld"] + cells["corrected"] + cells["other"] + cells["pending"] != cells["total"]:
            failed.add("T4-A")
    return failed


@pytest.mark.parametrize(("template", "year"), ERAS)
def test_consistent_reports_obey_every_rule(template: str, year: int) -> None:
    nonzero = 0
    for seed in range(40):
        c = _make(seed, template, year)
        assert _failed_rules(c) == set(), (seed, c.t3, c.t4)
        assert c.consistent and c.broken_rule is None
        nonzero += bool(c.t3 and c.t3["received"]["total"])
    assert nonzero >= 10, "most simulated bodies should have received some requests"


@pytest.mark.parametrize(("template", "year"), ERAS)
def test_inconsistent_reports_break_exactly_one_rule_visibly(template: str, year: int) -> None:
    seen = set()
    for seed in range(60):
        c = _make(seed, template, year, consistent=False)
        failed = _failed_rules(c)
        assert len(failed) == 1, (seed, failed)
        assert failed == {c.broken_rule}
        assert not c.consistent
        seen |= failed
    expected = {"T3-A", "T3-B"} if template == "2008" else {"T3-A", "T3-B", "T3-C", "T4-A"}
    assert seen == expected


def test_same_rng_state_gives_same_content_and_other_states_differ() -> None:
    a = _make(7, "2021", 2022)
    b = _make(7, "2021", 2022)
    assert a == b
    others = {_make(s, "2021", 2022).key() for s in range(8, 14)}
    assert a.key() not in others and len(others) == 6


def test_template_eras_have_their_own_tables() -> None:
    old = [_make(s, "2008", 2015) for s in range(20)]
    assert all(c.t2 == {} and c.t4 == {} for c in old)
    with_table = [c for c in old if c.t3]
    assert with_table and len(with_table) < len(old), "some early reports have a local 统计表, some none"
    assert all(set(cells) == {"total"} for c in with_table for cells in c.t3.values())

    v1 = _make(1, "2019", 2019)
    assert "other" in v1.t3 and "other.no_correction" not in v1.t3 and len(v1.t3) == 23
    assert set(v1.t2) == {"rules", "normative", "licensing", "other_services", "penalty", "coercion", "fees", "procurement"}
    assert set(v1.t2["licensing"]) == {"prev_items", "change", "decisions"}

    v2 = _make(1, "2021", 2021)
    assert {"other.no_correction", "other.no_fee", "other.other"} <= set(v2.t3) and "other" not in v2.t3
    assert len(v2.t3) == 25
    assert set(v2.t2["normative"]) == {"issued", "repealed", "in_force"}
    assert set(v2.t2["fees"]) == {"amount"}
    assert set(v2.t4) == {"review", "suit_direct", "suit_after_review"}


def test_titles_vary_like_real_ones() -> None:
    shapes = set()
    for seed in range(60):
        c = _make(seed, "2019", 2020)
        assert "2020" in c.title and "政府信息公开" in c.title and "报告" in c.title
        assert c.agency_name in c.title or c.region_name in c.title
        shapes.add(c.title.replace(c.agency_name, "A").replace(c.region_name, "A").replace("2020", "Y"))
    assert "AY年政府信息公开工作年度报告" in shapes
    assert {"AY年度政府信息公开工作报告", "AY年政府信息公开年度报告", "Y年A政府信息公开工作年度报告"} <= shapes
    assert len(shapes) >= 6


def test_a_townships_title_never_names_only_its_county() -> None:
    titles = {
        make_report_content(random.Random(s), agency_name="秀洲区王江泾镇人民政府", region_name="秀洲区", year=2020, template="2019").title
        for s in range(40)
    }
    assert all("王江泾镇" in t for t in titles)
    own = {
        make_report_content(random.Random(s), agency_name="秀洲区人民政府", region_name="嘉兴市秀洲区", year=2020, template="2019").title
        for s in range(40)
    }
    assert any(t.startswith("秀洲区2020") for t in own), "a government's own report may be titled by its region"
    assert all("秀洲区" in t for t in own)


def test_prose_is_about_the_agency_and_matches_its_numbers() -> None:
    for seed in range(12):
        c = _make(seed, "2021", 2023)
        text = "\n".join(h + "\n" + b for h, b in c.sections)
        assert "{" not in text and "}" not in text, "unfilled placeholder"
        assert c.agency_name in text or c.region_name in text
        assert "2023年" in text
        headings = [h for h, _ in c.sections if h]
        assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
        received = c.t3["received"]["total"]
        if received:
            assert f"共收到政府信息公开申请{received}件" in text
        else:
            assert "未收到政府信息公开申请" in text


def test_old_reports_use_the_2008_sections_and_state_numbers_in_prose() -> None:
    c = next(c for c in (_make(s, "2008", 2014) for s in range(40)) if c.t3 and c.t3["received"]["total"])
    text = "\n".join(b for _, b in c.sections)
    assert f"共受理政府信息公开申请{c.t3['received']['total']}件" in text
    assert any("因政府信息公开申请提起行政复议" in h for h, _ in c.sections)


def test_signature_is_the_agency_and_the_publication_date() -> None:
    day = datetime.date(2024, 1, 26)
    c = _make(3, "2021", 2023, published=day)
    assert c.signature == c.agency_name and c.signature_date == day
    assert _make(3, "2021", 2023).signature_date is None


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="template"):
        make_report_content(random.Random(1), agency_name="某局", region_name="", year=2020, template="2020")
    with pytest.raises(ValueError, match="agency_name"):
        make_report_content(random.Random(1), agency_name="", region_name="", year=2020, template="2019")


def test_amounts_are_whole_yuan() -> None:
    for seed in range(20):
        c = _make(seed, "2019", 2020)
        amount = c.t2["procurement"]["amount"]
        assert isinstance(amount, int) and amount >= 0
        assert (amount == 0) == (c.t2["procurement"]["projects"] == 0)
        assert re.fullmatch(r"\d+", str(amount))
