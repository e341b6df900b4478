"""The model: deterministic, the sizes the issue asks for, real regions, DOMAIN.md deadlines."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from sandbox.registry import registry_csv
from sandbox.universe import OUTCOMES, Universe, deadline_for

AREACODES = Path(__file__).parents[2] / "sandbox" / "data" / "regions.csv"


def _fingerprint(u: Universe) -> list[tuple]:
    return [(r.key, r.outcome, r.published, r.appeared, r.page_path, r.attachment_paths)
            for r in u.reports.values()]


def test_same_seed_same_universe_different_seed_different():
    a, b, c = Universe(1, "small"), Universe(1, "small"), Universe(2, "small")
    assert _fingerprint(a) == _fingerprint(b)
    assert registry_csv(a) == registry_csv(b)
    assert _fingerprint(a) != _fingerprint(c)


def test_medium_universe_is_big_enough():
    u = Universe(1, "medium")
    assert len(u.agencies) >= 150
    assert u.document_count() >= 1500


def test_size_by_agency_count_and_bad_size():
    assert len(Universe(1, "40-agencies").agencies) == 40
    with pytest.raises(ValueError, match="small, medium, large"):
        Universe(1, "huge")


def test_regions_are_real_and_townships_nest_in_counties():
    real = {row["code"]: row["name"] for row in csv.DictReader(AREACODES.open(encoding="utf-8"))}
    u = Universe(1, "small")
    levels = {a.level for a in u.agencies.values()}
    assert levels == {"city", "county", "township"}
    for a in u.agencies.values():
        assert a.region_code in real, a
        if a.level == "township":
            assert len(a.region.code) == 9 and a.region.code.startswith(a.region_code)
            assert a.name.startswith(real[a.region_code])


def test_every_outcome_and_every_family_occurs_in_the_small_world():
    u = Universe(1, "small")
    assert {r.outcome for r in u.reports.values()} == set(OUTCOMES)
    assert {p.family for p in u.portals.values()} == {"trs", "hanweb", "gd", "static"}
    assert any(p.encoding == "gbk" for p in u.portals.values())
    assert {r.date_evidence for r in u.reports.values() if r.appeared} == {"meta", "page", "signature", "url", "none"}


@pytest.mark.parametrize(("level", "kind", "year", "expected"), [
    ("county", "department", 2018, dt.date(2019, 3, 31)),
    ("county", "department", 2019, dt.date(2020, 1, 31)),
    ("city", "government", 2019, dt.date(2020, 3, 31)),
    ("township", "government", 2022, dt.date(2023, 1, 31)),
    ("township", "government", 2016, dt.date(2017, 3, 31)),
])
def test_deadlines_follow_domain_rules(level, kind, year, expected):
    assert deadline_for(level, kind, year) == expected


def test_outcome_dates_are_coherent():
    u = Universe(3, "medium")
    for r in u.reports.values():
        if r.outcome == "never":
            assert r.published is None and r.appeared is None
            continue
        assert r.published and r.appeared and r.published.year > r.year
        if r.outcome in ("on_time", "edited"):
            assert r.published <= r.deadline
        if r.outcome == "late":
            assert r.published > r.deadline
        if r.outcome == "backdated":
            assert r.published <= r.deadline < r.appeared
        if r.outcome == "withdrawn":
            assert r.withdrawn and r.withdrawn > r.appeared
        if r.outcome == "edited":
            assert r.edited and r.edited > r.published
