"""Deadline rules: when an agency's report for a year is due, and which rule says so.

Deadlines are data (``catalog/rules/deadlines.yaml``, plus an optional local rules file) rather
than code, because they differ by report year, agency kind and level, and local governments
set their own (DOMAIN.md §1). Every computed deadline carries the rule id and its source, so a
watchdog can see, cite and override why a report counts as late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RULES_FILE = Path(__file__).parent / "rules" / "deadlines.yaml"
MATCH_KEYS = ("kind", "level", "region", "agency")


class RulesError(ValueError):
    """A rules file is malformed; the message names the file, the rule and the problem."""


@dataclass(frozen=True)
class Rule:
    id: str
    first_year: int | None
    last_year: int | None
    match: dict[str, tuple[str, ...]]
    month: int
    day: int
    source: str
    origin: str = ""  # the file the rule came from

    def applies(self, *, year: int, kind: str, level: str, region_code: str, agency_id: str) -> bool:
        if self.first_year is not None and year < self.first_year:
            return False
        if self.last_year is not None and year > self.last_year:
            return False
        values = {"kind": kind, "level": level, "agency": agency_id}
        for key, allowed in self.match.items():
            if key == "region":
                if not any(region_code.startswith(prefix) for prefix in allowed):
                    return False
            elif values[key] not in allowed:
                return False
        return True

    @property
    def specificity(self) -> int:
        return len(self.match)


@dataclass(frozen=True)
class Deadline:
    """The due date of one expected report and the rule that produced it."""

    date: dt.date
    rule_id: str
    source: str


@dataclass
class DeadlineRules:
    """An ordered rule set; later rules override earlier ones of equal specificity."""

    rules: list[Rule] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A national status run asks for a million deadlines that differ only in a few
        # attributes; answers are cached on the attributes some rule actually matches on.
        # (Rules are not meant to change after loading; a new rule set is a new object.)
        self._cache: dict[tuple[int, str, str, str, str], Deadline | None] = {}
        self._by_region = any("region" in r.match for r in self.rules)
        self._by_agency = any("agency" in r.match for r in self.rules)

    @classmethod
    def load(cls, *extra_files: str | Path | None) -> DeadlineRules:
        """The national defaults, then each extra (local) rules file in order."""
        rules = _read_rules(DEFAULT_RULES_FILE)
        for path in extra_files:
            if path:
                rules.extend(_read_rules(Path(path)))
        return cls(rules)

    def deadline_for(
        self, *, year: int, kind: str, level: str, region_code: str = "", agency_id: str = ""
    ) -> Deadline | None:
        """The deadline of the report for ``year``, or None when no rule covers that year."""
        key = (year, kind, level, region_code if self._by_region else "",
               agency_id if self._by_agency else "")
        if key not in self._cache:
            self._cache[key] = self._find(year=year, kind=kind, level=level,
                                          region_code=region_code, agency_id=agency_id)
        return self._cache[key]

    def _find(
        self, *, year: int, kind: str, level: str, region_code: str, agency_id: str
    ) -> Deadline | None:
        best: Rule | None = None
        for rule in self.rules:
            if rule.applies(
                year=year, kind=kind, level=level, region_code=region_code, agency_id=agency_id
            ) and (best is None or rule.specificity >= best.specificity):
                best = rule
        if best is None:
            return None
        return Deadline(dt.date(year + 1, best.month, best.day), best.id, best.source)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def _read_rules(path: Path) -> list[Rule]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RulesError(f"{path}: expected a mapping with a 'rules' list")
    return [_parse_rule(path, i, raw) for i, raw in enumerate(document["rules"], start=1)]


def _parse_rule(path: Path, index: int, raw: Any) -> Rule:
    where = f"{path}: rule {index}"
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: expected a mapping")
    if "id" in raw:
        where = f"{path}: rule {raw['id']!r}"
    for key in ("id", "deadline", "source"):
        if not raw.get(key):
            raise RulesError(f"{where}: missing '{key}'")
    years = raw.get("years", [None, None])
    if not (isinstance(years, Sequence) and len(years) == 2):
        raise RulesError(f"{where}: 'years' must be [first, last] (null for open)")
    try:
        first, last = (None if y is None else int(y) for y in years)
        month, day = (int(part) for part in str(raw["deadline"]).split("-"))
        dt.date(2001, month, day)  # validates the month-day (no 29 February deadlines)
    except (TypeError, ValueError) as exc:
        raise RulesError(f"{where}: bad years or deadline (want MM-DD): {exc}") from exc
    match = raw.get("match") or {}
    if not isinstance(match, dict):
        raise RulesError(f"{where}: 'match' must be a mapping")
    unknown = set(match) - set(MATCH_KEYS)
    if unknown:
        raise RulesError(f"{where}: unknown match keys {sorted(unknown)}; allowed {MATCH_KEYS}")
    return Rule(
        id=str(raw["id"]),
        first_year=first,
        last_year=last,
        match={k: _as_tuple(v) for k, v in match.items()},
        month=month,
        day=day,
        source=str(raw["source"]),
        origin=str(path),
    )


def expected_years(since: int, as_of: dt.date) -> Iterable[int]:
    """Report years an agency owes as of a date: from ``since`` to the year before ``as_of``.

    The current year's report cannot exist yet (its statistics period has not ended), so it
    is not expected; years whose deadline is still ahead are expected but ``not_due``.
    """
    return range(since, as_of.year)
