"""Read a real seed report (shared/seeds/*.txt) into a :class:`ReportContent` with its real
numbers, so tests can render real reports into every format the sandbox serves.

The seed texts are conversions of published documents and keep their scars: markdown headings,
tables either as one tab-separated line per row or as one tab-indented line per cell with blank
lines between rows, labels broken over lines, page numbers, image placeholders, hard-wrapped
paragraphs. This reader undoes those scars with rules that say what they handle; it is not a
general report parser (that is parsers/), only enough to turn these texts back into content.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sandbox.content import (
    T3_COLUMNS,
    T4_COLUMNS,
    T4_GROUPS,
    ReportContent,
    broken_rules,
    t3_rows_for,
    template_for_year,
)


class SeedFormatError(ValueError):
    """The seed text does not have the shape this reader expects; the message names the file."""


_NOISE = re.compile(r"\[(?:image|bookmark):[^\]]*\]")
_PAGE_NUMBER = re.compile(r"^-\s*\d+\s*-$")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_NUMBERED = re.compile(r"^[一二三四五六七八九十]{1,2}、")
_SUB_NUMBERED = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|\d+[.．、]|[一二三四五六七八九十]是)")
_SECTION_TITLES = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议",
    "存在的主要问题",
    "政府信息公开工作存在的主要问题",
    "其他需要报告的事项",
)
_SENTENCE_END = "。：；！？:;!?"

# 表三 row labels -> canonical key; the first keyword found in a normalised label wins.
_T3_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("本年新收", "received"),
    ("上年结转", "carried_in"),
    ("部分公开", "partial"),
    ("予以公开", "granted"),
    ("国家秘密", "denied.state_secret"),
    ("禁止公开", "denied.prohibited"),
    ("三安全一稳定", "denied.security"),
    ("第三方", "denied.third_party"),
    ("内部事务", "denied.internal"),
    ("过程性", "denied.process"),
    ("执法案卷", "denied.enforcement"),
    ("查询事项", "denied.inquiry"),
    ("不掌握", "unavailable.not_held"),
    ("另行制作", "unavailable.needs_creation"),
    ("仍不明确", "unavailable.unclear"),
    ("信访", "not_processed.petition"),
    ("重复申请", "not_processed.duplicate"),
    ("出版物", "not_processed.publication"),
    ("大量反复", "not_processed.vexatious"),
    ("确认或重新", "not_processed.confirmation"),
    ("逾期不补正", "other.no_correction"),
    ("缴纳费用", "other.no_fee"),
    ("其他处理", "other"),
    ("总计", "result_total"),
    ("合计", "result_total"),
    ("结转下年", "carried_out"),
)
_T2_ROWS: tuple[tuple[str, str], ...] = (
    ("规章", "rules"),
    ("规范性文件", "normative"),
    ("行政许可", "licensing"),
    ("其他对外管理服务", "other_services"),
    ("行政处罚", "penalty"),
    ("行政强制", "coercion"),
    ("行政事业性收费", "fees"),
    ("政府集中采购", "procurement"),
)
_T2_COLUMNS: tuple[tuple[str, str], ...] = (
    ("本年新制作", "made"),
    ("本年新公开", "published"),
    ("对外公开总", "total"),
    ("上一年项目", "prev_items"),
    ("本年项目数量", "items"),
    ("增/减", "change"),
    ("处理决定", "decisions"),
    ("采购项目", "projects"),
    ("采购总金额", "amount"),
    ("本年制发", "issued"),
    ("本年废止", "repealed"),
    ("现行有效", "in_force"),
    ("收费金额", "amount"),
)


def _norm(text: str) -> str:
    """A label without spaces and with full-width brackets, for keyword matching."""
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def _clean(line: str) -> str:
    line = _NOISE.sub("", line)
    line = line.replace("**", "")
    if "\t" not in line:
        return line.strip().lstrip("#").strip()
    return line.rstrip(" \r")  # trailing tabs are empty cells: keep them


def _is_section_heading(line: str) -> bool:
    if "\t" in line or not line.strip():
        return False
    text = _norm(line)
    if _NUMBERED.match(text) and len(text) <= 45:
        return True
    return len(text) <= 30 and any(text.startswith(t) for t in _SECTION_TITLES)


def _split_title(lines: list[str], path: Path) -> tuple[str, list[str]]:
    """The title is the first lines up to the one that says 报告 (titles wrap over lines)."""
    taken: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip() or _PAGE_NUMBER.match(line.strip()):
            continue
        taken.append(line.strip())
        if "报告" in line:
            return re.sub(r"\s+", "", "".join(taken)), lines[i + 1 :]
        if len(taken) >= 3:
            break
    raise SeedFormatError(f"{path}: no title line containing 报告 in the first lines")


def _agency_and_year(title: str, path: Path) -> tuple[str, int]:
    match = re.match(r"^(.*?)(?:关于)?(\d{4})年", title)
    if not match:
        raise SeedFormatError(f"{path}: title {title!r} names no report year")
    agency = match.group(1)
    if not agency:  # year first: "2020年XX局政府信息公开…"
        rest = re.match(r"^\d{4}年度?(.*?)政府信息公开", title)
        agency = rest.group(1) if rest else ""
    if not agency:
        raise SeedFormatError(f"{path}: title {title!r} names no agency")
    return agency, int(match.group(2))


_REGION = re.compile(
    r"^((?:[^省市县区]{2,7}?(?:省|自治区))?(?:[^省市县区]{1,7}?(?:市|州|盟|地区))?(?:[^省市县区]{1,7}?(?:区|县|市|旗))?)"
)


def region_of(agency: str) -> str:
    """The region prefix of an agency name: 聊城市民政局 -> 聊城市, 吴忠市利通区人民政府办公室
    -> 吴忠市利通区."""
    match = _REGION.match(agency)
    return match.group(1) if match else ""


def _take_signature(lines: list[str]) -> tuple[str, datetime.date | None, list[str]]:
    """A closing agency line followed by a date line, if the text ends with one."""
    idx = [i for i, line in enumerate(lines) if line.strip()]
    if len(idx) >= 2:
        last, before = lines[idx[-1]].strip(), lines[idx[-2]].strip()
        date = _DATE.match(last)
        if date and len(before) <= 30 and not any(ch in before for ch in _SENTENCE_END + "，"):
            y, m, d = map(int, date.groups())
            return before, datetime.date(y, m, d), lines[: idx[-2]]
    return "", None, lines


def _join_wrapped(lines: list[str]) -> list[str]:
    """Paragraphs from hard-wrapped lines: a line that does not end a sentence continues on
    the next one, unless either is a numbered (sub)heading."""
    paragraphs: list[str] = []
    open_paragraph = False
    for raw in lines:
        line = raw.strip()
        if not line or _PAGE_NUMBER.match(line) or line.startswith("mailto:"):
            continue
        starts_item = bool(_SUB_NUMBERED.match(_norm(line)))
        if open_paragraph and paragraphs and not starts_item:
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        heading_like = starts_item and len(line) <= 20
        open_paragraph = not heading_like and line[-1] not in _SENTENCE_END and len(line) >= 10
    return paragraphs


def _table_rows(lines: list[str]) -> list[list[str]]:
    """Rows of cells from either table shape of the seeds (see module docstring)."""
    tab_lines = [line for line in lines if "\t" in line]
    one_cell_per_line = tab_lines and sum(
        line.startswith("\t") and line.count("\t") == 1 for line in tab_lines
    ) > len(tab_lines) / 2
    rows: list[list[str]] = []
    if not one_cell_per_line:
        for line in lines:
            if line.strip():
                rows.append([cell.strip() for cell in line.split("\t")])
        return rows
    current: list[str] = []
    for line in lines:
        if not line.strip() and not line.startswith("\t"):
            if current:
                rows.append(current)
            current = []
        elif line.startswith("\t"):
            current.append(line[1:].strip())
        elif current:
            current[-1] += line.strip()  # a label broken over lines
        else:
            current.append(line.strip())
    if current:
        rows.append(current)
    return rows


def _int(text: str, where: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not re.fullmatch(r"[+-]?\d+", text):
        raise SeedFormatError(f"{where}: {text!r} is not a whole number")
    return int(text)


def _is_number_or_blank(text: str) -> bool:
    return not text.strip() or bool(re.fullmatch(r"[+-]?\d+", text.strip()))


def _parse_t3(rows: list[list[str]], template: str, where: str) -> dict[str, dict[str, int]]:
    table = {r: {c: 0 for c in T3_COLUMNS} for r in t3_rows_for(template)}
    started = False
    for row in rows:
        labels = [i for i, cell in enumerate(row) if cell and not _is_number_or_blank(cell)]
        if not labels:
            continue
        label = _norm(row[labels[-1]])
        key = "other.other" if re.fullmatch(r"3[.．、]?其他", label) else None
        key = key or next((k for word, k in _T3_KEYWORDS if word in label), None)
        if key == "received":
            started = True
        if not started or key is None or key not in table:
            continue
        values = row[labels[-1] + 1 :]
        while len(values) > 7 and not values[-1]:
            values = values[:-1]
        values = values[-7:] if len(values) > 7 else values + [""] * (7 - len(values))
        table[key] = {c: _int(v, f"{where} 表三 row {label}") for c, v in zip(T3_COLUMNS, values, strict=True)}
    if not started:
        raise SeedFormatError(f"{where}: 表三 has no row 本年新收政府信息公开申请数量")
    return table


def _parse_t4(rows: list[list[str]]) -> dict[str, dict[str, int]]:
    data = [r for r in rows if all(_is_number_or_blank(c) for c in r) and sum(bool(c) for c in r) >= 5]
    cells = data[-1][-15:] if data else []
    cells = [""] * (15 - len(cells)) + cells
    numbers = [int(c) if c.strip() else 0 for c in cells]
    return {
        g: dict(zip(T4_COLUMNS, numbers[i * 5 : i * 5 + 5], strict=True)) for i, g in enumerate(T4_GROUPS)
    }


def _amount_yuan(text: str, where: str) -> int:
    match = re.fullmatch(r"([\d.]+)\s*(万元|元)?", text.replace(",", "").strip())
    if not match:
        raise SeedFormatError(f"{where}: amount {text!r} is not a number of 元 or 万元")
    try:
        value = Decimal(match.group(1))
    except InvalidOperation as exc:
        raise SeedFormatError(f"{where}: amount {text!r} is not a number") from exc
    return int(value * 10000) if match.group(2) == "万元" else int(value)


def _parse_t2(rows: list[list[str]], template: str, where: str) -> dict[str, dict[str, int]]:
    t2: dict[str, dict[str, int]] = {}
    columns: list[str] = []
    for row in rows:
        cells = [c for c in row if c]
        if not cells:
            continue
        first = _norm(cells[0])
        if first == "信息内容":
            columns = [next((k for w, k in _T2_COLUMNS if w in _norm(c)), "?") for c in cells[1:]]
            continue
        # A label's start names its row (其他对外管理服务事项（指除行政许可以外…） is not 行政许可).
        key = next((k for w, k in _T2_ROWS if first.startswith(w)), None) or next(
            (k for w, k in _T2_ROWS if w in first), None
        )
        if key is None or not columns:
            continue
        values: dict[str, int] = {}
        for column, text in zip(columns, row[row.index(cells[0]) + 1 :], strict=False):
            if column == "?":
                continue
            # Fee amounts in the 2021 form are 万元 even when the cell has no unit.
            if column == "amount":
                unit = "万元" if template == "2021" and not re.search("元", text) else ""
                values[column] = _amount_yuan(text + unit, f"{where} 表二 {first}") if text.strip() else 0
            else:
                values[column] = _int(text, f"{where} 表二 {first}")
        t2[key] = values
    return t2


def load_seed(path: str | Path) -> ReportContent:
    """The seed report at ``path`` as content: title, agency, region, year, template,
    sections, and the 表二/表三/表四 numbers exactly as the seed prints them."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedFormatError(f"{path}: cannot read as UTF-8 text: {exc}") from exc
    lines = [_clean(line) for line in raw.splitlines()]
    title, rest = _split_title(lines, path)
    agency, year = _agency_and_year(title, path)
    template = template_for_year(year)
    signature, signature_date, rest = _take_signature(rest)

    # Cut the text into (heading, body lines, table lines) sections.
    parts: list[tuple[str, list[str], list[str]]] = [("", [], [])]
    pending_heading = False
    for line in rest:
        if pending_heading and line.strip():
            heading, body, table = parts[-1]
            parts[-1] = (heading + line.strip(), body, table)
            pending_heading = False
            continue
        if _is_section_heading(line):
            parts.append((_norm(line), [], []))
            pending_heading = _norm(line).endswith("、")
            continue
        heading, body, table = parts[-1]
        if table or "\t" in line:
            table.append(line)
        else:
            body.append(line)

    sections: list[tuple[str, str]] = []
    t2: dict[str, dict[str, int]] = {}
    t3: dict[str, dict[str, int]] = {}
    t4: dict[str, dict[str, int]] = {}
    for heading, body, table in parts:
        text = "\n".join(_join_wrapped(body))
        if heading or text:
            sections.append((heading, text))
        if not table:
            continue
        rows = _table_rows(table)
        where = f"{path} section {heading or '(preamble)'}"
        if "主动公开" in heading:
            t2 = _parse_t2(rows, template, where)
        elif "复议" in heading or "诉讼" in heading:
            t4 = _parse_t4(rows)
        elif "申请" in heading:
            t3 = _parse_t3(rows, template, where)
    content = ReportContent(
        title=title,
        agency_name=agency,
        region_name=region_of(agency),
        year=year,
        template=template,
        sections=sections,
        t2=t2,
        t3=t3,
        t4=t4,
        signature=signature,
        signature_date=signature_date,
        consistent=True,
    )
    broken = broken_rules(content)
    content.consistent = not broken
    content.broken_rule = broken[0] if broken else None
    return content
