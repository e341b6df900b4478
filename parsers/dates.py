"""Publication-date candidates of a report, ranked by the strength of their evidence.

The order (DOMAIN.md §1, §5): the page's ``PubDate`` meta tag, then a date printed on the page
(发布日期 in the 信息公开目录 box, "发布时间：" near the title), then the date under the
signature at the end of the report (often in Chinese numerals: 二〇二四年一月十五日), then
other dates in the text, then dates in the URL (upload or migration dates: they lie), then the
HTTP Last-Modified header. Every candidate is kept with its source and a snippet; dates that
cannot be a publication date (on or before the end of the report year, or before 2008) are
kept too, marked rejected, so a reader can see what was discarded and why.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from parsers.normalize import cn_number, nfkc

SOURCES = ("meta_pubdate", "page_date", "signature", "text", "url", "http_last_modified")
_RANK = {s: i for i, s in enumerate(SOURCES)}
_RANK["doc_meta"] = len(SOURCES)  # document properties (PDF CreationDate…): shown, never chosen

_ARABIC = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?")
_CN = re.compile(
    r"([〇零○ＯO一二三四五六七八九0-9]{4})\s*年\s*([一二三四五六七八九十0-9]{1,3})\s*月"
    r"\s*([一二三四五六七八九十0-9]{1,3})\s*日"
)
_PDF_DATE = re.compile(r"D:((?:19|20)\d{2})(\d{2})(\d{2})")
_URL_PATTERNS = (
    (re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_"), "day"),  # TRS: /202401/t20240115_1.html
    (re.compile(r"/P0((?:19|20)\d{2})(\d{2})(\d{2})\d{6,}\."), "day"),  # TRS attachment P0YYYYMMDD…
    (re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"), "day"),  # Hanweb
    (re.compile(r"/((?:19|20)\d{2})-(\d{2})-(\d{2})/"), "day"),
    (re.compile(r"/((?:19|20)\d{2})(\d{2})/"), "month"),  # TRS month folder
)
_SIGNATURE_WINDOW = 300  # characters at the end of the text where a signature date sits
_PAGE_FIELDS = ("发布日期", "发布时间", "公开日期", "发文日期", "生成日期", "成文日期", "日期")
_META_KEYS = ("pubdate", "publishdate", "firstpublishedtime", "releasedate", "dc.date",
              "article:published_time", "publishtime")


@dataclass
class DateCandidate:
    date: str  # ISO YYYY-MM-DD
    source: str
    snippet: str
    precision: str = "day"  # "day" or "month" (a URL's YYYYMM folder)
    rejected: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_dates(text: str) -> list[tuple[dt.date, str]]:
    """Every date written in ``text`` (Arabic or Chinese numerals), with the matched snippet,
    in order of appearance."""
    text = nfkc(text)
    found: list[tuple[int, dt.date, str]] = []
    for m in _ARABIC.finditer(text):
        d = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            found.append((m.start(), d, m.group(0)))
    for m in _CN.finditer(text):
        parts = [cn_number(g) if not g.isdigit() else int(g) for g in m.groups()]
        if None not in parts:
            d = _make(*parts)  # type: ignore[arg-type]
            if d and not any(abs(pos - m.start()) < 2 for pos, _, _ in found):
                found.append((m.start(), d, m.group(0)))
    return [(d, s) for _, d, s in sorted(found, key=lambda f: f[0])]


def _snippet(text: str, needle: str, width: int = 30) -> str:
    at = text.find(needle)
    if at < 0:
        return needle
    return text[max(0, at - width) : at + len(needle) + 5].replace("\n", " ").strip()


def url_dates(url: str) -> list[DateCandidate]:
    """Dates in a URL path (TRS tYYYYMMDD_, /YYYYMM/, Hanweb art/YYYY/M/D/): weakest evidence."""
    out: list[DateCandidate] = []
    for pattern, precision in _URL_PATTERNS:
        m = pattern.search(url)
        if not m:
            continue
        day = int(m.group(3)) if precision == "day" else 1
        d = _make(int(m.group(1)), int(m.group(2)), day)
        if d:
            out.append(DateCandidate(d.isoformat(), "url", m.group(0), precision))
            break  # the most specific pattern wins; a TRS URL has both shapes
    return out


def collect_candidates(
    *,
    text: str,
    html_meta: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    page_dates: Iterable[tuple[str, str]] = (),
    url: str | None = None,
    headers: dict[str, str] | None = None,
    year: int | None = None,
) -> list[DateCandidate]:
    """Every publication-date candidate, best evidence first, impossible ones marked rejected.

    ``page_dates`` are the (where, raw) pairs a format reader found (meta | page | text_end |
    doc_meta); ``fields`` the 信息公开目录 labels; ``headers`` the HTTP response headers.
    """
    out: list[DateCandidate] = []

    def add(raw: str, source: str, snippet: str | None = None) -> None:
        raw_norm = nfkc(raw)
        pdf = _PDF_DATE.search(raw_norm)
        if pdf:
            d = _make(int(pdf.group(1)), int(pdf.group(2)), int(pdf.group(3)))
            if d:
                out.append(DateCandidate(d.isoformat(), source, snippet or raw.strip()[:80]))
            return
        for d, matched in parse_dates(raw_norm)[:1]:
            out.append(DateCandidate(d.isoformat(), source, snippet or matched))

    for key, value in (html_meta or {}).items():
        if key.lower() in _META_KEYS and value:
            add(value, "meta_pubdate", f"{key}={value}")
    for label in _PAGE_FIELDS:
        for key, value in (fields or {}).items():
            if label in key and value:
                add(value, "page_date", f"{key}：{value}")
    for where, raw in page_dates:
        source = {"meta": "meta_pubdate", "page": "page_date", "text_end": "signature",
                  "doc_meta": "doc_meta"}.get(where)
        if source:
            add(raw, source, raw.strip()[:80])

    tail = text[-_SIGNATURE_WINDOW:]
    tail_dates = parse_dates(tail)
    signature_snippets = set()
    if tail_dates:
        d, matched = tail_dates[-1]
        line = next((ln for ln in nfkc(tail).splitlines() if matched in ln), matched)
        if len(line.strip()) <= len(matched) + 12:  # a date on its own line: the signature's
            out.append(DateCandidate(d.isoformat(), "signature", _snippet(nfkc(tail), matched)))
            signature_snippets.add((d, matched))
    for d, matched in parse_dates(text):
        if (d, matched) not in signature_snippets:
            out.append(DateCandidate(d.isoformat(), "text", _snippet(nfkc(text), matched)))

    if url:
        out.extend(url_dates(url))
    for key, value in (headers or {}).items():
        if key.lower() == "last-modified" and value:
            try:
                d = email.utils.parsedate_to_datetime(value).date()
                out.append(DateCandidate(d.isoformat(), "http_last_modified", f"{key}: {value}"))
            except (TypeError, ValueError, IndexError):
                pass

    seen: set[tuple[str, str]] = set()
    unique: list[DateCandidate] = []
    for c in sorted(out, key=lambda c: _RANK.get(c.source, 99)):  # stable: order within a source
        if (c.date, c.source) in seen:
            continue
        seen.add((c.date, c.source))
        c.rejected = _impossible(c, year)
        unique.append(c)
    return unique


def rank(candidates: list[DateCandidate]) -> list[DateCandidate]:
    """Candidates in evidence order (stable within one source)."""
    return sorted(candidates, key=lambda c: _RANK.get(c.source, 99))


def rejection(candidate: DateCandidate, year: int | None) -> str | None:
    """Why a candidate cannot be the publication date of a report of ``year`` (or None)."""
    return _impossible(candidate, year)


def _impossible(candidate: DateCandidate, year: int | None) -> str | None:
    d = dt.date.fromisoformat(candidate.date)
    if d.year < 2008:
        return "before the Regulations took effect (2008)"
    if year is not None:
        end = dt.date(year, 12, 31)
        if candidate.precision == "month":
            if (d.year, d.month) <= (end.year, end.month):
                return f"not after the end of report year {year}"
        elif d <= end:
            return f"not after the end of report year {year}"
    return None


def choose(candidates: list[DateCandidate]) -> DateCandidate | None:
    """The best acceptable candidate: strongest source, first found within a source. Text dates
    count only when nothing stronger exists; document properties never count."""
    for candidate in candidates:
        if candidate.rejected or candidate.source == "doc_meta":
            continue
        return candidate
    return None
