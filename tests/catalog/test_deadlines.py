"""Deadline rules of DOMAIN.md §1, and local overrides loaded from a rules file."""

import datetime as dt

import pytest

from catalog.deadlines import DeadlineRules, RulesError, expected_years


@pytest.fixture(scope="module")
def rules():
    return DeadlineRules.load()


@pytest.mark.parametrize(
    "year, kind, level, due, rule",
    [
        (2018, "department", "city", dt.date(2019, 3, 31), "ogi-2007-art31"),
        (2018, "government", "county", dt.date(2019, 3, 31), "ogi-2007-art31"),
        (2019, "department", "city", dt.date(2020, 1, 31), "ogi-2019-art49-department"),
        (2019, "government", "city", dt.date(2020, 3, 31), "ogi-2019-art49-government"),
        (2023, "other", "province", dt.date(2024, 1, 31), "ogi-2019-art49-department"),
        (2023, "government", "township", dt.date(2024, 1, 31), "township-default"),
    ],
)
def test_national_rules(rules, year, kind, level, due, rule):
    d = rules.deadline_for(year=year, kind=kind, level=level, region_code="320813")
    assert (d.date, d.rule_id) == (due, rule)
    assert d.source


def test_no_rule_before_the_regulation(rules):
    assert rules.deadline_for(year=2006, kind="department", level="city") is None


def test_local_rule_overrides_by_region(tmp_path):
    local = tmp_path / "rules.yaml"
    local.write_text(
        "rules:\n"
        "  - id: hypothetical-city-notice\n"
        "    years: [2020, 2021]\n"
        "    match: {kind: [department], region: ['3208']}\n"
        "    deadline: '01-28'\n"
        "    source: a city notice\n",
        encoding="utf-8",
    )
    rules = DeadlineRules.load(local)
    inside = rules.deadline_for(year=2020, kind="department", level="county", region_code="320813")
    outside = rules.deadline_for(year=2020, kind="department", level="county", region_code="640300")
    later = rules.deadline_for(year=2022, kind="department", level="county", region_code="320813")
    assert (inside.date, inside.rule_id) == (dt.date(2021, 1, 28), "hypothetical-city-notice")
    assert outside.date == dt.date(2021, 1, 31)
    assert later.date == dt.date(2023, 1, 31)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("rules: [{id: x, deadline: '02-30', source: s}]", "bad years or deadline"),
        ("rules: [{id: x, deadline: '01-31'}]", "missing 'source'"),
        ("rules: [{id: x, deadline: '01-31', source: s, match: {city: a}}]", "unknown match keys"),
        ("rules: {", "not valid YAML"),
        ("- a list", "expected a mapping"),
    ],
)
def test_bad_rules_file_names_file_and_problem(tmp_path, text, problem):
    path = tmp_path / "local.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        DeadlineRules.load(path)
    assert str(path) in str(err.value) and problem in str(err.value)


def test_expected_years_stop_before_the_current_year():
    assert list(expected_years(2015, dt.date(2026, 6, 30))) == list(range(2015, 2026))
