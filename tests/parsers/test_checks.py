"""Cross-year flags between two years' tables (the catalog holds both years)."""

from __future__ import annotations

from parsers.checks import check_t4_a, cross_year_flags


def test_carried_over_and_in_force_mismatches_are_flagged():
    last = {"t3": {"carried_out": {"total": 2}}, "t2": {"normative": {"in_force": 10}}}
    this = {"t3": {"carried_in": {"total": 3}},
            "t2": {"normative": {"issued": 2, "repealed": 1, "in_force": 12}}}
    assert cross_year_flags(this, last) == [
        {"rule": "carried_over", "carried_in": 3, "last_year_carried_out": 2},
        {"rule": "in_force.normative", "in_force": 12, "expected": 11},
    ]
    this["t3"]["carried_in"]["total"] = 2
    this["t2"]["normative"]["in_force"] = 11
    assert cross_year_flags(this, last) == []


def test_t4_check_is_not_computed_without_numbers():
    t4 = {"review": {"upheld": None, "corrected": 0, "other": 0, "pending": 0, "total": 0}}
    assert check_t4_a(t4)["ok"] is None
    assert check_t4_a(None)["ok"] is None
