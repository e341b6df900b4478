"""Administrative division codes for a report: from names, SiteIDCode and the registry hint.

The reference is ``parsers/data/areacodes.csv`` (every county-level-and-above code 1981–2024
with its years of use; CC0, see parsers/data/README.md). Codes and names change: 洪泽县 became
洪泽区 in 2016 under a new code, so a 2015 report of 洪泽县人民政府 must resolve to 320829 and a
2023 report of 洪泽区 to 320813. Names are matched as published and without their suffix
(吴忠 → 吴忠市), the code valid in the report year is preferred, and a county name is
disambiguated by the prefecture or province written next to it, then by the SiteIDCode.

Matching is a dictionary lookup of every substring of the (short) agency name or title, a
few hundred lookups per document: simpler and faster here than building an automaton.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from parsers.normalize import squash

DATA = Path(__file__).parent / "data" / "areacodes.csv"

_LEVELS = {"省级": 1, "地级": 2, "县级": 3}
_ETHNIC_SUFFIX = re.compile(r"(?:[^族]{1,4}族)*自治(?:州|县|旗|区)$")
_SUFFIXES = ("特别行政区", "地区", "林区", "矿区", "新区", "省", "市", "区", "县", "旗", "盟")
# stems too generic to be trusted on their own inside an agency name or title
_WEAK_STEMS = {"城区", "郊区", "市中", "新华", "中山", "和平", "城关", "开发", "高新", "经济",
               "矿区", "铁路", "工业"}


@dataclass(frozen=True)
class Division:
    """One row of areacodes.csv: a code under one name for a span of years."""

    code: str
    province: str
    prefecture: str
    name: str
    level: int  # 1 province, 2 prefecture, 3 county
    start: int
    end: int | None  # first year no longer in use (None: still in use)
    successor: str

    def valid_in(self, year: int | None) -> bool:
        if year is None:
            return self.end is None
        return self.start <= year and (self.end is None or year < self.end)


@dataclass
class RegionMatch:
    """The region chosen for a report, how it was found, and what was considered."""

    code: str
    name: str
    source: str  # "registry" | "name" | "site_id"
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Index:
    by_code: dict[str, list[Division]]
    by_name: dict[str, list[Division]]
    by_stem: dict[str, list[Division]]
    max_len: int


def stem(name: str) -> str:
    """A division name without its level suffix: 吴忠市 → 吴忠, 恩施土家族苗族自治州 → 恩施."""
    short = _ETHNIC_SUFFIX.sub("", name)
    if short != name:
        return short
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _index() -> _Index:
    by_code: dict[str, list[Division]] = defaultdict(list)
    by_name: dict[str, list[Division]] = defaultdict(list)
    by_stem: dict[str, list[Division]] = defaultdict(list)
    with DATA.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                division = Division(
                    code=row["代码"].strip(),
                    province=row["一级行政区"].strip(),
                    prefecture=row["二级行政区"].strip(),
                    name=row["名称"].strip(),
                    level=_LEVELS.get(row["级别"].strip(), 3),
                    start=int(row["启用时间"]),
                    end=int(row["变更/弃用时间"]) if row["变更/弃用时间"].strip() else None,
                    successor=row["新代码"].strip(),
                )
            except (KeyError, ValueError) as exc:  # a damaged reference file must say so
                raise ValueError(f"{DATA}: bad row {row!r}: {exc}") from exc
            if division.name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            by_code[division.code].append(division)
            by_name[division.name].append(division)
            short = stem(division.name)
            if short != division.name and len(short) >= 2 and short not in _WEAK_STEMS:
                by_stem[short].append(division)
    max_len = max(len(n) for n in by_name)
    return _Index(dict(by_code), dict(by_name), dict(by_stem), max_len)


def division_for_code(code: str, year: int | None = None) -> Division | None:
    """The row of a 6-digit code valid in ``year`` (else the latest row of that code)."""
    rows = _index().by_code.get(code[:6])
    if not rows:
        return None
    valid = [d for d in rows if d.valid_in(year)]
    return (valid or sorted(rows, key=lambda d: d.start))[-1]


def _mentions(text: str) -> list[tuple[Division, bool]]:
    """Every division named in ``text`` as (division, full-name match?)."""
    index = _index()
    found: list[tuple[Division, bool]] = []
    full_spans: list[tuple[int, int]] = []
    for i in range(len(text)):
        for length in range(min(index.max_len, len(text) - i), 1, -1):
            sub = text[i : i + length]
            if sub in index.by_name:
                found.extend((d, True) for d in index.by_name[sub])
                full_spans.append((i, i + length))
    for i in range(len(text)):
        for length in range(2, min(8, len(text) - i) + 1):
            sub = text[i : i + length]
            if sub in index.by_stem and not any(a <= i < b for a, b in full_spans):
                found.extend((d, False) for d in index.by_stem[sub])
    return found


def _compatible(a: str, b: str) -> bool:
    """Codes on one branch of the tree (640300 and 640302 are; 640300 and 320813 are not)."""
    def trim(code: str) -> str:
        code = code[:6]
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
        return code
    ta, tb = trim(a), trim(b)
    return ta.startswith(tb) or tb.startswith(ta)


def from_names(texts: Iterable[str], year: int | None, site_code: str | None = None) -> Division | None:
    """The most specific division named in the texts (agency name first, then title…).

    Each text is tried in turn; within one text, a county-level match beats its prefecture,
    which beats its province. Ties between same-named divisions are broken by a parent named
    in the same text, validity in the report year, full (not suffix-less) name, and agreement
    with the SiteIDCode.
    """
    for text in texts:
        text = squash(text)
        if not text:
            continue
        mentions = _mentions(text)
        if not mentions:
            continue
        named = {d.name for d, _ in mentions} | {stem(d.name) for d, full in mentions if not full}

        def score(item: tuple[Division, bool], named: set[str] = named) -> tuple:
            d, full = item
            parent = d.prefecture in named or stem(d.prefecture) in named or (
                d.level == 3 and d.province in named
            )
            site = bool(site_code) and _compatible(d.code, site_code or "")
            return (d.valid_in(year), full, d.level, parent, site, d.end is None)

        best = max(mentions, key=score)
        top = [d for d, f in mentions if score((d, f)) == score(best)]
        if len({d.code for d in top}) == 1:  # several rows of one code: its latest name
            return max(top, key=lambda d: d.start)
    return None


def resolve_region(
    names: Sequence[str],
    *,
    year: int | None = None,
    site_id_code: str | None = None,
    hint: dict | None = None,
) -> RegionMatch | None:
    """The report's region: the registry hint when it agrees with the document (it is curated);
    else the division named in the agency name or title; else the SiteIDCode's first six digits.
    Disagreements are kept as warnings, since copied templates carry wrong SiteIDCodes."""
    warnings: list[str] = []
    site_code = None
    if site_id_code:
        digits = re.match(r"\d{6}", site_id_code.strip())
        site_code = digits.group(0) if digits else None
    named = from_names(names, year, site_code)
    hint_code = str((hint or {}).get("region_code") or "").strip() or None

    if hint_code:
        if named is None or _compatible(hint_code, named.code):
            division = division_for_code(hint_code, year)
            name = division.name if division else (hint or {}).get("region_name") or ""
            return RegionMatch(hint_code, name, "registry", warnings)
        warnings.append(
            f"document names {named.name} ({named.code}) but the registry says {hint_code}"
        )
    if named is not None:
        if site_code and not _compatible(site_code, named.code):
            warnings.append(f"SiteIDCode {site_id_code} disagrees with {named.name} ({named.code})")
        return RegionMatch(named.code, named.name, "name", warnings)
    if site_code:
        division = division_for_code(site_code, year)
        if division:
            return RegionMatch(division.code, division.name, "site_id", warnings)
        warnings.append(f"SiteIDCode {site_id_code}: no division {site_code}")
    return None


def is_division_name(text: str) -> bool:
    """Whether ``text`` is exactly the name of a division (of any level, any year)."""
    return text in _index().by_name


def is_division_path(text: str) -> bool:
    """Whether ``text`` is one or more division names in a row (利通区, 吴忠市利通区): a title
    that starts with one names that region's people's government."""
    names = _index().by_name
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        reachable[end] = any(reachable[start] and text[start:end] in names
                             for start in range(max(0, end - 12), end))
    return bool(text) and reachable[-1]


def expand_stem(name: str, year: int | None = None) -> str:
    """Put back a dropped level suffix at the start of an agency name: 吴忠民政局 → 吴忠市民政局."""
    index = _index()
    for length in range(min(8, len(name) - 1), 1, -1):
        head = name[:length]
        if head in index.by_stem and not any(name.startswith(d.name) for d in index.by_stem[head]):
            rows = [d for d in index.by_stem[head] if d.valid_in(year)] or index.by_stem[head]
            full = {d.name for d in rows}
            if len(full) == 1:
                return full.pop() + name[length:]
            return name
        if head in index.by_name:
            return name
    return name
