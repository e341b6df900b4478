"""Text helpers every reader shares: whitespace cleanup, date-looking strings, labelled fields.

These find *candidates* only (raw strings with where they were seen); deciding which date is the
publication date is report semantics and happens outside parsers/formats.
"""

from __future__ import annotations

import re

_INLINE_SPACE = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200b\ufeff\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Fold no-break/ideographic spaces and runs of blanks, keep tabs of table lines, trim each
    line and collapse runs of blank lines to one.

    Every tab of a table line is kept, trailing ones and lines of tabs alone included: a tab
    separates cells, so ``"\\t"`` on its own is a blank cell of Word's cell-per-line text (a
    zero), and trailing tabs are a row's blank last cells; dropping them shifts or truncates
    the row."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if "\t" in line:  # a table line: keep its cell separators
            line = "\t".join(_INLINE_SPACE.sub(" ", c).strip() for c in line.split("\t"))
        else:
            line = _INLINE_SPACE.sub(" ", line).strip()
        lines.append(line)
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip("\n")


_CN_DIGIT = "〇零○Ｏ一二三四五六七八九十"
DATE_RE = re.compile(
    r"(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)"
    rf"|(?:[{_CN_DIGIT}]{{4}}\s*年\s*[{_CN_DIGIT}]{{1,2}}\s*月\s*[{_CN_DIGIT}]{{1,3}}\s*日)"
)
# labels that put a date next to a page's title ("发布时间：2024-01-20")
_DATE_LABEL = r"(?:发布时间|发布日期|发文日期|成文日期|公开日期|生成日期|印发日期|更新时间|日期|时间)"
LABELLED_DATE_RE = re.compile(rf"(?:{_DATE_LABEL}\s*[:：]?\s*)?(?:{DATE_RE.pattern})")


def date_strings(text: str) -> list[str]:
    """Date-looking strings in ``text``, with their label when one precedes them."""
    return [m.group(0).strip() for m in LABELLED_DATE_RE.finditer(text)]


_PERIOD = re.compile(r"统计|期限|起至|[自从]\s*(?:19|20)\d{2}")


def short_date_line(line: str) -> bool:
    """Whether an unlabelled date on this line can be a document's date: the line is short
    (a signature, an info bar, a 目录 cell) and does not state the statistics period
    ("统计期限自2023年1月1日起至…"), which every report's first sentence carries."""
    line = line.strip()
    return len(line) <= 30 and not _PERIOD.search(line)


def text_end_dates(text: str, lines: int = 6) -> list[tuple[str, str]]:
    """Dates in the last non-blank lines of a document: where reports put the signature date
    (落款日期), which is often the only date a PDF or DOCX report carries."""
    tail = [ln for ln in text.split("\n") if ln.strip()][-lines:]
    found: list[tuple[str, str]] = []
    for ln in tail:
        if "\t" in ln or not short_date_line(ln):
            continue
        found.extend(("text_end", d) for d in date_strings(ln))
    return found


# Labels of 信息公开目录 boxes and article info lines. A domain list, not a site list.
FIELD_LABELS = (
    "索引号", "发布机构", "发文机关", "发文机构", "公开责任部门", "责任部门", "生成日期", "发文日期",
    "成文日期", "发布日期", "发布时间", "公开日期", "印发日期", "文号", "发文字号", "来源",
    "信息来源", "文章来源", "主题分类", "主题词", "公开方式", "公开范围", "公开形式", "公开时限",
    "有效性", "信息类别", "体裁分类", "组配分类", "所属机构", "所属主题", "分类", "标题", "名称",
    "统一编码", "作者", "编号", "内容分类", "信息分类", "发布单位", "时效",
)
_LABEL_ALT = "|".join(sorted((re.escape(x) for x in FIELD_LABELS), key=len, reverse=True))
# a label, possibly spelt with spaces inside ("索 引 号"), then a colon
_SPACED = "|".join(
    sorted(("\\s*".join(re.escape(ch) for ch in x) for x in FIELD_LABELS), key=len, reverse=True)
)
FIELD_RE = re.compile(rf"(?<![\w])({_SPACED})\s*[:：]\s*")


def normalise_label(label: str) -> str | None:
    """The canonical label for a cell's text ("索 引 号：" -> "索引号"), or None if it is not one."""
    key = re.sub(r"[\s:：\u3000\u00a0]+", "", label)
    return key if key in FIELD_LABELS else None


def fields_in_line(line: str) -> list[tuple[str, str]]:
    """``label：value`` pairs in one line; a value runs to the next label or the line's end."""
    matches = list(FIELD_RE.finditer(line))
    out = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        value = line[m.end() : end].strip(" \t|｜【】[]")
        value = re.split(r"\s{2,}|\t|\s+[\u4e00-\u9fff]{2,6}\s*[:：]", value)[0].strip()
        label = re.sub(r"\s+", "", m.group(1))
        if value:
            out.append((label, value))
    return out
