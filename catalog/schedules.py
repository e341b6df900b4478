"""When a crawl workflow runs: cron expressions and deadline-aware presets, as pure functions.

Reports appear around legal deadlines (DOMAIN.md §1), so besides cron expressions a workflow
can name a preset:

``after-deadlines``
    the day after each deadline in the deadline rules, and again two weeks later (with the
    national rules: 1 February and 15 February, 1 April and 15 April). The dates come from
    ``catalog/rules/deadlines.yaml`` (plus any local rules file), so a local deadline shows up
    in the schedule without code changes.
``reporting-season``
    weekly (Mondays) from January to April.
``annual``
    once a year, on the last ``after-deadlines`` date (15 April with the national rules).
``manual``
    never by itself; only when run by hand.

Times are evaluated in the workflow's time zone (default ``Asia/Shanghai``: the deadlines are
China's), at ``PRESET_HOUR`` o'clock for presets. :func:`due` returns at most one slot — the
latest one missed — so a scheduler that was down catches up once, never replaying every missed
run and never silently skipping a season or a year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from catalog.deadlines import DeadlineRules, RulesError

DEFAULT_TIMEZONE = "Asia/Shanghai"
PRESET_HOUR = 2  # presets fire at 02:00 local time, away from midnight jobs
SECOND_PASS_DAYS = 14  # "and again two weeks later"
PRESETS = ("after-deadlines", "reporting-season", "annual", "manual")
REPORTING_SEASON_CRON = f"0 {PRESET_HOUR} * 1-4 1"  # Mondays, January to April


class ScheduleError(ValueError):
    """A schedule that cannot be understood; the message says what was given and what is allowed."""


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: a cron expression or a dated preset, in one time zone."""

    spec: str
    timezone: str
    cron: str | None = None  # set for cron schedules (and reporting-season)
    rules: DeadlineRules | None = field(default=None, compare=False)  # for the date presets

    @property
    def dated(self) -> bool:
        return self.rules is not None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def manual(self) -> bool:
        return self.cron is None and self.rules is None

    def dates(self, year: int) -> list[tuple[int, int]]:
        """(month, day) of this preset's runs in calendar ``year`` (reports of ``year - 1``)."""
        if self.rules is None:
            return []
        days = after_deadline_dates(self.rules, year=year - 1)
        if self.spec == "annual":
            return days[-1:]
        return days


def after_deadline_dates(rules: DeadlineRules, *, year: int) -> list[tuple[int, int]]:
    """(month, day) of the day after each distinct deadline for report ``year`` (any agency
    kind or level), and of two weeks after that; sorted."""
    days: set[tuple[int, int]] = set()
    for rule in rules.rules:
        if rule.first_year is not None and year < rule.first_year:
            continue
        if rule.last_year is not None and year > rule.last_year:
            continue
        deadline = dt.date(year + 1, rule.month, rule.day)
        for offset in (1, 1 + SECOND_PASS_DAYS):
            day = deadline + dt.timedelta(days=offset)
            days.add((day.month, day.day))
    return sorted(days)


def parse_schedule(spec: str | None, timezone: str = DEFAULT_TIMEZONE, *,
                   rules: DeadlineRules | None = None) -> Schedule:
    """A schedule from its text: a preset name, ``cron: EXPR`` or a bare cron expression
    (five fields, or croniter's ``@daily``/``@weekly``/``@yearly``…)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {timezone!r} (use an IANA name such as "
                            f"Asia/Shanghai or UTC)") from exc
    text = (spec or "manual").strip()
    if text in ("", "manual", "none"):
        return Schedule("manual", timezone)
    if text == "reporting-season":
        return Schedule(text, timezone, cron=REPORTING_SEASON_CRON)
    if text in ("after-deadlines", "annual"):
        try:
            rules = rules or DeadlineRules.load()
        except RulesError as exc:
            raise ScheduleError(f"schedule {text!r}: {exc}") from exc
        return Schedule(text, timezone, rules=rules)
    expr = text[5:].strip() if text.startswith("cron:") else text
    if not croniter.is_valid(expr):
        raise ScheduleError(f"{text!r} is neither a preset ({', '.join(PRESETS)}) nor a valid "
                            f"cron expression (minute hour day-of-month month day-of-week)")
    return Schedule(text, timezone, cron=expr)


def _aware(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken as UTC (the catalog stores UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _date_slots(schedule: Schedule, years: Iterable[int]) -> list[dt.datetime]:
    tz = schedule.tz
    return [dt.datetime(y, m, d, PRESET_HOUR, tzinfo=tz) for y in years
            for m, d in schedule.dates(y)]


def next_run(schedule: Schedule, after: dt.datetime) -> dt.datetime | None:
    """The first slot strictly after ``after`` (None for a manual schedule)."""
    after = _aware(after)
    if schedule.cron is not None:
        result: dt.datetime = croniter(schedule.cron, after.astimezone(schedule.tz)).get_next(dt.datetime)
        return result
    if not schedule.dated:
        return None
    year = after.astimezone(schedule.tz).year
    # a rules set may leave some years without a deadline: look a few years ahead
    later = [s for s in _date_slots(schedule, range(year, year + 4)) if s > after]
    return min(later) if later else None


def previous_run(schedule: Schedule, at: dt.datetime) -> dt.datetime | None:
    """The last slot at or before ``at`` (None for a manual schedule)."""
    at = _aware(at)
    if schedule.cron is not None:
        # croniter's get_prev is strictly before its start: start one second later
        start = (at + dt.timedelta(seconds=1)).astimezone(schedule.tz)
        prev: dt.datetime = croniter(schedule.cron, start).get_prev(dt.datetime)
        return prev if prev <= at else None
    if not schedule.dated:
        return None
    year = at.astimezone(schedule.tz).year
    slots = [s for s in _date_slots(schedule, range(year - 3, year + 1)) if s <= at]
    return max(slots) if slots else None


def due(schedule: Schedule, last_run: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    """The slot to run now, or None.

    ``last_run`` is the slot of the workflow's latest run (or the moment it was created or
    resumed). When several slots passed since then, only the latest is returned: the missed
    run is caught up once, and the next call (with that slot as ``last_run``) finds nothing
    due until the following slot.
    """
    slot = previous_run(schedule, now)
    if slot is None:
        return None
    if last_run is not None and slot <= _aware(last_run):
        return None
    return slot
