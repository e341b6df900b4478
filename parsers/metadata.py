"""Title, agency, report year and template era of a report.

* Title: the page's ArticleTitle meta, else the report heading at the top of the text (often
  split over two lines: "吴忠市民政局" / "2020年政府信息公开工作年度报告"), else the format's own
  title (<title> stripped of site suffixes such as "_XX市人民政府" or "-XX网").
* Agency: from the title (the words before the year), else the signature line at the end,
  else ContentSource / 发布机构, else "本报告由…编制", else the registry hint. The title is
  trusted first because it distinguishes a government's own report (XX区人民政府) from its
  office's (XX区人民政府办公室), while ContentSource is usually the office for both.
  Normalised: no spaces, a dropped suffix restored (吴忠民政局 → 吴忠市民政局), a bare
  "市民政局" completed with the region, and the longest form the document itself publishes
  (洪泽区人民政府 → 淮安市洪泽区人民政府 when the text writes it so).
* Year: from the title, else the opening of the text (2023年度, 二〇二三年, the statistics
  period); never from the URL (DOMAIN.md §5: URL dates lie).
* Template: 2008 before report year 2019 (no national template); from 2019 the tables' shapes
  decide (表二 v2 labels or a split 其他处理 → 2021; v1 labels → 2019), else the year.
"""

from __future__ import annotations

import re

from parsers.detect import ANNUAL_REPORT, OTHER, classify_title
from parsers.normalize import cn_number, nfkc, squash
from parsers.regions import division_for_code, expand_stem, is_division_name, is_division_path
from parsers.sections import is_section_heading

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇零○ＯO一二三四五六七八九]{4})\s*年")
_SITE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|\s[-–—]\s|[-–—]{1,2}(?=[^\d]))\s*")
_SITE_NAME = re.compile(r"(?:人民政府|政府|网站|门户|网|平台|之窗|在线)$")
_AGENCY_SUFFIX = re.compile(
    r"(?:局|委|委员会|办公室|办公厅|办|厅|人民政府|政府|法院|检察院|院|署|中心|办事处|街道|镇|乡|"
    r"所|会|处|队|站|部|馆|司|管委会|分局|支队|大队|集团|公司|联合会)$"
)
_REPORT_WORDS = re.compile(r"(?:政府|政务)?信息公开|政务公开|年度报告|工作报告|年报")
_COMPILED_BY = re.compile(r"本(?:年度)?报告(?:是)?由(.{2,40}?)(?:根据|依据|按照|编制|编写|负责)")
_FIELD_KEYS = ("发布机构", "信息来源", "来源", "发文机关", "公开主体", "发布单位")


def _is_agency(name: str) -> bool:
    return 2 <= len(name) <= 40 and bool(_AGENCY_SUFFIX.search(name)) and not name[0].isdigit()


def strip_site_suffix(title: str) -> str:
    """A page title without the site name the CMS appends ("…年度报告_吴忠市人民政府")."""
    parts = [p for p in _SITE_SEPARATORS.split(title.strip()) if p]
    if len(parts) <= 1:
        return title.strip()
    for part in parts:
        if classify_title(part) != OTHER:
            return part.strip()
    kept = [p for p in parts if not _SITE_NAME.search(squash(p))]
    return (kept or parts)[0].strip()


def _heading_lines(text: str, limit: int = 20) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        line = squash(raw).strip("#*").strip()
        if not line or re.fullmatch(r"[-—–]?\d+[-—–]?", line):
            continue
        lines.append(line)
        if len(lines) >= limit:
            break
    return lines


def title_from_text(text: str) -> str | None:
    """The report heading at the top of the text, rejoined when it was split over lines."""
    lines = _heading_lines(text)
    for i, line in enumerate(lines):
        if len(line) > 80:
            continue
        joined = line
        if i + 1 < len(lines) and len(lines[i + 1]) <= 20 and "报告" in lines[i + 1] \
                and "报告" not in line and "信息公开" in line:
            joined = line + lines[i + 1]
        if classify_title(joined) == OTHER:
            continue
        if i > 0 and not _agency_from_title(joined) and _is_agency(lines[i - 1]):
            joined = lines[i - 1] + joined
        return joined
    return None


def choose_title(article_title: str | None, text: str, format_title: str | None) -> str | None:
    """The document's title: the first candidate that names a report-like document (report,
    interpretation or notice), else the first candidate at all."""
    candidates = [
        squash(article_title or ""),
        title_from_text(text) or "",
        squash(strip_site_suffix(format_title or "")),
    ]
    candidates = [c for c in candidates if c and not is_section_heading(c)]
    for candidate in candidates:
        if classify_title(candidate) != OTHER:
            return candidate
    return candidates[0] if candidates else None


def year_from(text: str) -> int | None:
    """The first plausible report year written in ``text`` (2023年度, 二〇二三年)."""
    text = nfkc(text)
    found: list[tuple[int, int]] = []
    m = _YEAR.search(text)
    if m:
        found.append((m.start(), int(m.group(1))))
    m = _CN_YEAR.search(text)
    if m:
        value = cn_number(m.group(1))
        if value:
            found.append((m.start(), value))
    found = [(pos, y) for pos, y in found if 2000 <= y <= 2100]
    return min(found)[1] if found else None


def report_year(title: str | None, text: str) -> int | None:
    """Report year from the title, else the statistics period, else the opening text."""
    if title:
        year = year_from(title)
        if year:
            return year
    period = re.search(r"统计(?:期限|时限|时间|区间)[^。]{0,20}?((?:19|20)\d{2})\s*年", nfkc(text))
    if period:
        return int(period.group(1))
    return year_from(text[:600])


def _agency_from_title(title: str) -> str | None:
    t = squash(title)
    t = re.sub(r"^关于", "", t)
    m = _YEAR.search(t) or _CN_YEAR.search(t)
    if m and m.start() > 0:
        candidate = t[: m.start()]
    else:
        rest = t[m.end():] if m else t
        rest = re.sub(r"^度", "", rest)
        cut = _REPORT_WORDS.search(rest)
        candidate = rest[: cut.start()] if cut else ""
        if candidate.endswith("人民") and rest[cut.start():].startswith("政府"):  # type: ignore[union-attr]
            candidate += "政府"
    candidate = re.sub(r"关于$", "", candidate.strip("《》“”\"'()（）:：,，.、 "))
    if is_division_path(candidate) or re.search(r"(?:镇|乡|苏木)$", candidate):
        candidate += "人民政府"  # "洪泽区2023年…报告" is the government's own report
    elif candidate.endswith("街道"):
        candidate += "办事处"
    return candidate if _is_agency(candidate) else None


def _signature_agency(text: str) -> str | None:
    lines = [squash(ln) for ln in text.splitlines()[-12:] if squash(ln)]
    for line in reversed(lines[-5:]):
        if _is_agency(line) and len(line) <= 30:
            return line
    return None


def _normalise(name: str, region_name: str | None, text: str, year: int | None) -> str:
    name = squash(name).strip("《》“”\"'()（）:：,，.、")
    name = expand_stem(name, year)
    if region_name and name[:1] in ("市", "区", "县", "州", "盟", "旗") \
            and region_name.endswith(name[0]) and not name.startswith(region_name):
        name = region_name + name[1:]
    # the longest form the document publishes of this same agency ("淮安市" + "洪泽区人民政府")
    flat = squash(text)
    best = name
    for m in re.finditer(re.escape(name), flat):
        start = m.start()
        for width in range(2, 8):
            if start - width < 0:
                break
            prefix = flat[start - width : start]
            if is_division_name(prefix) and len(prefix) + len(name) > len(best):
                best = prefix + name
    return best


def find_agency(
    *,
    title: str | None,
    text: str,
    html_meta: dict[str, str],
    fields: dict[str, str],
    region_code: str | None,
    year: int | None,
    hint: dict | None,
) -> tuple[str | None, str | None]:
    """(agency name, where it came from: title | signature | meta | field | text | registry)."""
    candidates: list[tuple[str | None, str]] = [
        (_agency_from_title(title) if title else None, "title"),
        (_signature_agency(text), "signature"),
        (html_meta.get("ContentSource") or html_meta.get("contentsource"), "meta"),
        (next((v for k in _FIELD_KEYS for key, v in fields.items() if k in key and v), None), "field"),
    ]
    compiled = _COMPILED_BY.search(squash(text[:2000]))
    candidates.append((compiled.group(1) if compiled else None, "text"))
    candidates.append(((hint or {}).get("name"), "registry"))
    division = division_for_code(region_code, year) if region_code else None
    region_name = division.name if division else None
    for raw, source in candidates:
        if raw and _is_agency(squash(raw)):
            return _normalise(raw, region_name, text, year), source
    return None, None


def template_era(year: int | None, t2_version: str | None, t3_version: str | None) -> str | None:
    """"2008", "2019" or "2021" (DOMAIN.md §2): the year sets the era, the tables' shapes tell
    which of the two national templates a 2019-or-later report actually used.

    表二's column labels are the clearest sign (they changed completely in 2021); a split
    其他处理 row in 表三 shows 2021 too, but a single one does not show 2019, since real 2021
    reports (洪泽区 2023) keep one row.
    """
    if year is not None and year < 2019:
        return "2008"
    if t2_version:
        return t2_version
    if t3_version == "2021":
        return "2021"
    if year is not None:
        return "2021" if year >= 2021 else "2019"
    return t3_version


__all__ = ["ANNUAL_REPORT", "choose_title", "find_agency", "report_year", "strip_site_suffix",
           "template_era", "title_from_text"]
