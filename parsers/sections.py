"""Find the six sections of an annual report (一 总体情况 … 六 其他需要报告的事项) in its text.

Both national templates (2019 and 2021) share the six headings; real reports drop the numeral
("总体情况"), add suffixes ("收到和处理政府信息公开申请情况（无）"), bold them with markdown or
split them with spaces. A heading is a *short line* that starts with the section's wording,
optionally after its numeral, so prose that merely mentions "主动公开政府信息情况" does not count.
Pre-2019 reports (no national template) use other headings; a few common ones are recognised
so their tables and sections are found on a best-effort basis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parsers.normalize import squash

NUMERALS = ("一", "二", "三", "四", "五", "六")

_NUM = r"(?:[一二三四五六七八九十]+[、.,:]?)?"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "一": re.compile(_NUM + r"(?:总体情况|概述|概况)"),
    "二": re.compile(_NUM + r"(?:主动公开政府信息(?:的)?情况|政府信息主动公开(?:的)?情况)"),
    "三": re.compile(
        _NUM + r"(?:收到和处理政府信息公开申请(?:的)?情况|依申请公开政府信息(?:的)?情况)"
    ),
    "四": re.compile(_NUM + r"(?:政府信息公开)?(?:行政复议[、,]?行政诉讼|行政复议和行政诉讼)"),
    "五": re.compile(_NUM + r"(?:政府信息公开(?:工作)?)?存在的?主要问题"),
    "六": re.compile(_NUM + r"其他需要报告的事项"),
}
_MAX_HEADING = 60  # characters after squashing; longer lines are prose


@dataclass(frozen=True)
class Heading:
    numeral: str  # 一…六
    line: int  # index into text.splitlines()
    text: str


def _heading_body(line: str) -> str:
    return squash(line).strip("#*").lstrip("-").strip("*")


@lru_cache(maxsize=8)  # one document's text is asked for each section and table in turn
def _find_headings(text: str) -> tuple[Heading, ...]:
    found: dict[str, Heading] = {}
    for index, raw in enumerate(text.splitlines()):
        body = _heading_body(raw)
        if not body or len(body) > _MAX_HEADING:
            continue
        for numeral, pattern in _PATTERNS.items():
            if numeral not in found and pattern.match(body):
                found[numeral] = Heading(numeral, index, raw.strip())
                break
    return tuple(sorted(found.values(), key=lambda h: h.line))


def is_section_heading(line: str) -> bool:
    """Whether a line is one of the six section headings (so never a document title)."""
    body = _heading_body(line)
    return bool(body) and len(body) <= _MAX_HEADING and any(
        p.match(body) for p in _PATTERNS.values())


def find_headings(text: str) -> list[Heading]:
    """Every recognised section heading in reading order, the first match of each numeral only
    (a table of contents or a later repeat does not move a section)."""
    return list(_find_headings(text))


def sections_found(text: str) -> list[str]:
    """Which of 一…六 have a heading, in numeral order (the report's ``sections`` field)."""
    present = {h.numeral for h in find_headings(text)}
    return [n for n in NUMERALS if n in present]


def section_text(text: str, numeral: str) -> str | None:
    """The lines from ``numeral``'s heading up to the next recognised heading, or None when the
    heading is absent."""
    headings = find_headings(text)
    lines = text.splitlines()
    for i, heading in enumerate(headings):
        if heading.numeral == numeral:
            end = headings[i + 1].line if i + 1 < len(headings) else len(lines)
            return "\n".join(lines[heading.line + 1 : end])
    return None
