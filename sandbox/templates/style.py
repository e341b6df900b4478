"""Per-report layout choices and the small text conventions every format shares.

Real reports of the same template differ in details (blank cells for 0, 合计 for 总计, date
style). The choice is drawn from a hash of the content, so one report looks the same in every
format and on every run, while different reports differ.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from dataclasses import dataclass
from functools import lru_cache

from sandbox.content import ReportContent
from sandbox.templates.layout import TableStyle


@dataclass(frozen=True)
class Style:
    """How one report is laid out; fixed per content (see module docstring)."""

    table: TableStyle
    word_html: bool  # Word-pasted HTML: MsoNormal paragraphs, <td><p><span>
    nbsp_blanks: bool  # empty cells hold &nbsp;
    indent: str  # "css", "fullwidth" (　　) or "nbsp"
    heading_tag: str  # "p" (bold paragraph) or "h3"
    title_in_body: bool
    spaced_results_label: bool  # 三、本 年 度 办 理 结 果 as in some HTML tables
    date_style: str  # "arabic", "padded" or "chinese"
    # PDF table borders: "grid" (every cell ruled), "three_line" (三线表: rules above and below
    # the header and below the table) or "none". Exports without cell borders print their
    # zeros (a blank cell with no border around it is unreadable), so blank-zero tables are
    # always ruled.
    pdf_rules: str = "grid"


@lru_cache(maxsize=4096)
def _style_for_key(key: str) -> Style:
    rng = random.Random(hashlib.sha256(key.encode("utf-8")).digest())
    table = TableStyle(
        blank_zero=rng.random() < 0.3,
        total_label="合计" if rng.random() < 0.15 else "总计",
        social_label="社会组织" if rng.random() < 0.2 else "社会公益组织",
        plus_sign=rng.random() < 0.4,
        money_unit="元" if rng.random() < 0.4 else "万元",
    )
    return Style(
        table=table,
        word_html=rng.random() < 0.6,
        nbsp_blanks=rng.random() < 0.5,
        indent=rng.choice(["css", "fullwidth", "nbsp"]),
        heading_tag="h3" if rng.random() < 0.25 else "p",
        title_in_body=rng.random() < 0.5,
        spaced_results_label=rng.random() < 0.3,
        date_style=rng.choices(["arabic", "padded", "chinese"], weights=[70, 15, 15])[0],
        pdf_rules=_pdf_rules(rng.random(), table.blank_zero),
    )


def _pdf_rules(draw: float, blank_zero: bool) -> str:
    if blank_zero or draw < 0.8:
        return "grid"
    return "three_line" if draw < 0.92 else "none"


def style_of(content: ReportContent) -> Style:
    """The layout choices of this report (same for every format)."""
    return _style_for_key(content.key())


_CN_DIGITS = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def format_date(d: datetime.date, style: str = "arabic") -> str:
    """A signature date as reports print it: 2021年1月28日, 2021年01月28日 or 二〇二一年一月二十八日."""
    if style == "padded":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    if style == "chinese":
        year = "".join(_CN_DIGITS[int(ch)] for ch in str(d.year))
        return f"{year}年{_cn_number(d.month)}月{_cn_number(d.day)}日"
    return f"{d.year}年{d.month}月{d.day}日"


def signature_lines(content: ReportContent) -> list[str]:
    """The closing lines: the signing body and, if known, the date."""
    lines = [content.signature] if content.signature else []
    if content.signature_date:
        lines.append(format_date(content.signature_date, style_of(content).date_style))
    return lines


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


def document_datetime(content: ReportContent) -> datetime.datetime:
    """The creation time written into document properties: the signature date, else 1 Jan of
    the following year (a fixed value keeps the bytes deterministic)."""
    day = content.signature_date or datetime.date(content.year + 1, 1, 1)
    return datetime.datetime(day.year, day.month, day.day, 9, 0, 0)
