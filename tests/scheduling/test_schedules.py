"""Schedules on a fake clock: cron, the deadline-aware presets, and catching up a missed run
exactly once (never every missed run, never none)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from catalog.deadlines import DeadlineRules
from catalog.schedules import ScheduleError, due, next_run, parse_schedule, previous_run

CN = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    """A time in China (the schedules' default zone)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CN)


def slots(schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    out, t = [], start
    while (t := next_run(schedule, t)) is not None and t <= end:
        out.append(t)
    return out


def test_after_deadlines_is_the_day_after_each_deadline_and_two_weeks_later():
    s = parse_schedule("after-deadlines")
    got = slots(s, at("2027-01-01T00:00"), at("2027-12-31T23:59"))
    assert [t.strftime("%m-%d %H:%M") for t in got] == ["02-01 02:00", "02-15 02:00",
                                                       "04-01 02:00", "04-15 02:00"]


def test_after_deadlines_follows_the_rules_files(tmp_path):
    """A local deadline (here 30 June for one province) adds its own after-deadline runs;
    and the years before 2019 (one deadline, 31 March) have no February runs."""
    local = tmp_path / "local.yaml"
    local.write_text("rules:\n  - id: local-june\n    years: [2019, null]\n"
                     "    match: {region: ['32']}\n    deadline: '06-30'\n    source: local\n",
                     encoding="utf-8")
    s = parse_schedule("after-deadlines", rules=DeadlineRules.load(local))
    got = slots(s, at("2027-01-01T00:00"), at("2027-12-31T23:59"))
    assert [t.strftime("%m-%d") for t in got] == ["02-01", "02-15", "04-01", "04-15",
                                                  "07-01", "07-15"]
    old = slots(parse_schedule("after-deadlines"), at("2015-01-01T00:00"), at("2015-12-31T00:00"))
    assert [t.strftime("%m-%d") for t in old] == ["04-01", "04-15"]


def test_reporting_season_is_weekly_from_january_to_april_only():
    s = parse_schedule("reporting-season")
    got = slots(s, at("2027-01-01T00:00"), at("2027-12-31T23:59"))
    assert {t.month for t in got} == {1, 2, 3, 4}
    assert all(t.weekday() == 0 and t.hour == 2 for t in got)
    gaps = {(b - a).days for a, b in zip(got, got[1:], strict=False) if a.month == b.month}
    assert gaps == {7}
    assert len(got) == 17  # every Monday of January–April 2027
    assert next_run(s, at("2027-05-01T00:00")) == at("2028-01-03T02:00")


def test_annual_runs_once_a_year_after_the_last_deadline_pass():
    s = parse_schedule("annual")
    got = slots(s, at("2026-01-01T00:00"), at("2028-12-31T00:00"))
    assert got == [at("2026-04-15T02:00"), at("2027-04-15T02:00"), at("2028-04-15T02:00")]


def test_cron_expressions_in_the_workflow_time_zone():
    s = parse_schedule("0 3 * * 1", "UTC")
    now = dt.datetime(2027, 2, 3, 12, tzinfo=dt.UTC)  # a Wednesday
    assert next_run(s, now) == dt.datetime(2027, 2, 8, 3, tzinfo=dt.UTC)
    assert previous_run(s, now) == dt.datetime(2027, 2, 1, 3, tzinfo=dt.UTC)
    # a slot exactly at "now" is due now
    assert previous_run(s, dt.datetime(2027, 2, 1, 3, tzinfo=dt.UTC)) == dt.datetime(
        2027, 2, 1, 3, tzinfo=dt.UTC)
    # presets fire at 02:00 in China: 18:00 UTC the day before
    assert next_run(parse_schedule("annual"), now) == dt.datetime(2027, 4, 14, 18, tzinfo=dt.UTC)
    assert parse_schedule("cron: */30 * * * *").cron == "*/30 * * * *"


def test_due_once_at_each_slot():
    s = parse_schedule("after-deadlines")
    created = at("2027-01-10T09:00")
    assert due(s, created, at("2027-01-31T23:00")) is None
    slot = due(s, created, at("2027-02-01T02:30"))
    assert slot == at("2027-02-01T02:00")
    assert due(s, slot, at("2027-02-01T03:30")) is None  # idempotent within the slot
    assert due(s, slot, at("2027-02-15T02:00")) == at("2027-02-15T02:00")


def test_missed_runs_are_caught_up_exactly_once():
    """The scheduler was down from January to mid-March: 1 and 15 February were missed. One
    run now (for the latest missed slot), then nothing until 1 April."""
    s = parse_schedule("after-deadlines")
    last = at("2027-01-10T00:00")
    now = at("2027-03-12T10:00")
    runs = []
    for hour in range(6):  # run-due every hour from then on
        slot = due(s, last, now + dt.timedelta(hours=hour))
        if slot is not None:
            runs.append(slot)
            last = slot
    assert runs == [at("2027-02-15T02:00")]
    assert due(s, last, at("2027-04-01T02:00")) == at("2027-04-01T02:00")


def test_a_missed_year_is_never_skipped():
    """An annual workflow last run in April 2025 on a machine off until December 2026 runs
    once in December (the 2026 slot), not zero times and not twice."""
    s = parse_schedule("annual")
    slot = due(s, at("2025-04-15T02:00"), at("2026-12-01T08:00"))
    assert slot == at("2026-04-15T02:00")
    assert due(s, slot, at("2026-12-01T09:00")) is None


def test_manual_schedule_is_never_due():
    s = parse_schedule("manual")
    assert s.manual and next_run(s, at("2027-01-01T00:00")) is None
    assert due(s, None, at("2030-01-01T00:00")) is None


@pytest.mark.parametrize("spec", ["every tuesday", "0 3 * *", "61 * * * *", "after-deadline"])
def test_bad_schedules_say_what_is_allowed(spec):
    with pytest.raises(ScheduleError, match="preset .*after-deadlines.*cron expression"):
        parse_schedule(spec)


def test_unknown_time_zone_is_an_error():
    with pytest.raises(ScheduleError, match="unknown time zone 'Mars/Olympus'"):
        parse_schedule("annual", "Mars/Olympus")


@pytest.mark.parametrize("spec", ["after-deadlines", "reporting-season", "annual", "0 */6 * * *",
                                  "15 3 1 * *"])
def test_any_pattern_of_passes_runs_each_due_slot_at_most_once_and_never_falls_behind(spec):
    """run-due called at arbitrary moments (minutes apart, or after months off): after every
    pass the workflow has run for the latest slot so far (nothing silently skipped), each run
    is for a later slot than the one before (nothing replayed), and a pass runs at most once."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    s = parse_schedule(spec)
    start = at("2026-01-01T00:00")

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.integers(min_value=1, max_value=200 * 24 * 60), min_size=1, max_size=25))
    def check(gaps_minutes):
        last, t, slots_run = start, start, []
        for gap in gaps_minutes:
            t = t + dt.timedelta(minutes=gap)
            slot = due(s, last, t)
            if slot is not None:
                assert slot <= t and (not slots_run or slot > slots_run[-1])
                slots_run.append(slot)
                last = slot
            latest = previous_run(s, t)
            assert latest is None or latest <= start or last == latest

    check()
