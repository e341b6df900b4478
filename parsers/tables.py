"""表二, 表三 and 表四 of an annual report → the canonical keys of DOMAIN.md §3.

Rows are recognised by their *labels*, never by their position: real tables add local rows,
drop rows, split labels over lines, write "合计" for "总计", and lose merged cells when
flattened. Each reader walks rows of cells (from a grid or from :func:`parsers.rows.text_rows`)
and keeps a little context (the current group such as （三）不予公开, and label lines still
waiting for their numbers when a PDF wraps a long label above them).

Values are accepted only when the number of value cells matches the columns: when digits of
adjacent cells ran together in flattened text, the count is wrong and the row becomes null with
a warning instead of a guess. The one tolerated excess is when every alignment of the cells onto
the columns gives the same numbers (a row of zeros with a stray extra cell), which is not a
guess. A blank cell is 0 in a table that has numbers; "—" and "/" are 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from parsers.formats.base import Table
from parsers.normalize import squash
from parsers.rows import is_number, split_row, text_rows
from parsers.sections import section_text

T3_COLUMNS = ("natural_person", "business", "research", "social_org", "legal_service",
              "other_org", "total")

T3_ROWS_COMMON = (
    "received", "carried_in", "granted", "partial",
    "denied.state_secret", "denied.prohibited", "denied.security", "denied.third_party",
    "denied.internal", "denied.process", "denied.enforcement", "denied.inquiry",
    "unavailable.not_held", "unavailable.needs_creation", "unavailable.unclear",
    "not_processed.petition", "not_processed.duplicate", "not_processed.publication",
    "not_processed.vexatious", "not_processed.confirmation",
)
T3_OTHER_V1 = ("other",)
T3_OTHER_V2 = ("other.no_correction", "other.no_fee", "other.other")
T3_OUTCOME_ROWS_V1 = T3_ROWS_COMMON[2:] + T3_OTHER_V1
T3_OUTCOME_ROWS_V2 = T3_ROWS_COMMON[2:] + T3_OTHER_V2

T4_GROUPS = ("review", "suit_direct", "suit_after_review")
T4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

# Leaf labels, most specific first; matched against the squashed (NFKC, no spaces) label.
_T3_LEAVES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        ("received", r"本年新收"),
        ("carried_in", r"上年结转"),
        ("carried_out", r"结转下年"),
        ("granted", r"予以公开"),
        ("partial", r"部分公开"),
        ("denied.state_secret", r"国家秘密"),
        ("denied.prohibited", r"禁止公开|其他法律|行政法规"),
        ("denied.security", r"三安全|一稳定|危及"),
        ("denied.third_party", r"第三方"),
        ("denied.internal", r"内部事务"),
        ("denied.process", r"过程性"),
        ("denied.enforcement", r"执法案卷"),
        ("denied.inquiry", r"行政查询|查询事项"),
        ("unavailable.not_held", r"不掌握"),
        ("unavailable.needs_creation", r"另行制作|没有现成"),
        ("unavailable.unclear", r"仍不明确|补正后"),
        ("not_processed.petition", r"信访|举报投诉"),
        ("not_processed.duplicate", r"重复申请"),
        ("not_processed.publication", r"出版物"),
        ("not_processed.vexatious", r"大量反复|反复申请"),
        ("not_processed.confirmation", r"重新出具|确认或"),
        ("other.no_correction", r"不补正"),
        ("other.no_fee", r"缴纳费用|收费通知|缴费"),
        ("result_total", r"\(七\)(?:总计|合计)|^七[、.]?(?:总计|合计)|办理结果(?:总计|合计)$"),
    )
)
_T3_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("denied", re.compile(r"不予公开")),
    ("unavailable", re.compile(r"无法提供")),
    ("not_processed", re.compile(r"不予处理")),
    ("other", re.compile(r"其他处理")),
)
_GROUP_ITEMS = {
    "denied": [k for k in T3_ROWS_COMMON if k.startswith("denied.")],
    "unavailable": [k for k in T3_ROWS_COMMON if k.startswith("unavailable.")],
    "not_processed": [k for k in T3_ROWS_COMMON if k.startswith("not_processed.")],
    "other": list(T3_OTHER_V2),
}
_ITEM_RE = re.compile(r"(\d+)[.、．]")
_TOP_ROW_RE = re.compile(r"^(?:[一二四][、.]|\([一二七]\))")

# 表二 rows and columns.
_T2_ROWS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(p))
    for key, p in (
        ("rules", r"^规章"),
        ("normative", r"规范性文件"),
        ("licensing", r"^行政许可"),
        ("other_services", r"其他对外管理服务"),
        ("penalty", r"^行政处罚"),
        ("coercion", r"^行政强制"),
        ("fees", r"行政事业性收费"),
        ("procurement", r"政府集中采购"),
    )
)
_T2_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(p))
    for key, p in (
        ("made", r"新制作"),
        ("published", r"新公开"),
        ("total", r"公开总数"),
        ("issued", r"制发"),
        ("repealed", r"废止"),
        ("in_force", r"现行有效"),
        ("prev_items", r"上一年"),
        ("items", r"本年项目数"),  # a local extra column (e.g. 山东); read, then dropped
        ("change", r"增/?减"),
        ("decisions", r"处理决定"),
        ("projects", r"采购项目"),
        ("amount", r"金额"),
    )
)
_T2_V2_COLUMNS = {"issued", "repealed", "in_force"}
_T2_V1_COLUMNS = {"made", "published", "prev_items", "change"}
_AMOUNT_RE = re.compile(r"^([+\-−－]?\d+(?:\.\d+)?)(万元|元|万)?$")


@dataclass
class TablesResult:
    """What the readers found: canonical tables (None when absent), the template version each
    table's shape shows ("2019"/"2021"/None), and warnings naming the row or cell concerned."""

    t2: dict[str, dict[str, Any]] | None = None
    t3: dict[str, dict[str, int | None]] | None = None
    t4: dict[str, dict[str, int | None]] | None = None
    t2_version: str | None = None
    t3_version: str | None = None
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------- values


def _int_value(cell: str) -> tuple[int | None, bool]:
    """(value, blank) of one 表三/表四 cell; blank cells are resolved later (0 if the table has
    numbers); a dash is 0; anything unreadable is None."""
    s = squash(cell)
    if s == "":
        return None, True
    if re.fullmatch(r"[—–\-/／－―~～]+|无", s):
        return 0, False
    m = re.fullmatch(r"([+\-−－]?)(\d+)(?:件|个|条|项|次)?", re.sub(r"(?<=\d),(?=\d{3})", "", s))
    if m:
        value = int(m.group(2))
        return (-value if m.group(1) in ("-", "−", "－") else value), False
    return None, False


def _amount_yuan(cell: str, header_unit: str | None) -> float | None:
    """An amount in yuan: "773.5 万元" → 7735000.0; the header's unit applies when the cell has
    none; no unit at all means yuan (the template's 采购总金额 names none)."""
    s = re.sub(r"(?<=\d),(?=\d{3})", "", squash(cell).replace("−", "-").replace("－", "-"))
    if re.fullmatch(r"[—–\-/／―~～]+|无", s):
        return 0.0
    m = _AMOUNT_RE.match(s)
    if not m:
        return None
    try:
        number = Decimal(m.group(1).replace("+", ""))
    except InvalidOperation:
        return None
    unit = m.group(2) or header_unit
    if unit in ("万元", "万"):
        number *= 10000
    return float(round(number, 2))


def _align(values: list[str], width: int) -> tuple[list[str] | None, str | None]:
    """Fit a row's value cells onto ``width`` columns, or say why not.

    Trailing then leading blank cells beyond the width are layout artefacts (a trailing tab, a
    label cell lost in flattening). A row with more cells left is accepted only when every
    window of ``width`` cells reads the same; fewer cells than columns is never padded.
    """
    cells = list(values)
    while len(cells) > width and squash(cells[-1]) == "":
        cells.pop()
    while len(cells) > width and squash(cells[0]) == "":
        cells.pop(0)
    if len(cells) == width:
        return cells, None
    if len(cells) > width:
        windows = {tuple(squash(c) for c in cells[i : i + width])
                   for i in range(len(cells) - width + 1)}
        if len(windows) == 1:
            return cells[:width], f"{len(cells)} cells for {width} columns, all alignments agree"
        return None, f"{len(cells)} cells for {width} columns"
    return None, f"{len(cells)} cells for {width} columns (digits run together?)"


# ------------------------------------------------------------------------------------ 表三


def _t3_key(label: str, group: str | None) -> str | None:
    for key, pattern in _T3_LEAVES:
        if pattern.search(label):
            return key
    for name, pattern in _T3_GROUPS:
        if pattern.search(label):
            # a group label with its own numbers: 其他处理 as one row (v1, and some v2 tables)
            tail = label[pattern.search(label).end():]  # type: ignore[union-attr]
            item = _ITEM_RE.match(tail)
            if item and name in _GROUP_ITEMS:
                return _item_key(name, int(item.group(1)))
            return "other" if name == "other" else None
    item = _ITEM_RE.match(label)
    if item and group:
        return _item_key(group, int(item.group(1)))
    return None


def _item_key(group: str, number: int) -> str | None:
    items = _GROUP_ITEMS.get(group, [])
    return items[number - 1] if 1 <= number <= len(items) else None


def _group_of(labels: Sequence[str], group: str | None) -> str | None:
    for label in labels:
        if _TOP_ROW_RE.match(label):
            group = None
        for name, pattern in _T3_GROUPS:
            if pattern.search(label):
                group = name
    return group


def read_t3(rows: list[list[str]], where: str = "表三") -> tuple[dict | None, list[str]]:
    """表三 from rows of cells: ``{row_key: {column_key: int | None}}`` and warnings, or None
    when no 表三 row is recognised."""
    warnings: list[str] = []
    raw: dict[str, list[tuple[int | None, bool]] | None] = {}
    group: str | None = None
    pending: list[str] = []  # labels of rows that had no values yet (wrapped PDF labels)

    def assign(key: str, values: list[str], label: str) -> None:
        if key in raw:
            warnings.append(f"{where}: row {label!r} repeats {key}; first kept")
            return
        cells, problem = _align(values, len(T3_COLUMNS))
        if cells is None:
            warnings.append(f"{where}: row {label!r} ({key}): {problem}; left null")
            raw[key] = None
            return
        if problem:
            warnings.append(f"{where}: row {label!r} ({key}): {problem}")
        parsed = [_int_value(c) for c in cells]
        for cell, (value, blank) in zip(cells, parsed, strict=True):
            if value is None and not blank:
                warnings.append(f"{where}: row {label!r} ({key}): unreadable cell {cell!r}")
        raw[key] = parsed

    for cells in rows:
        labels, values = split_row(cells)
        group = _group_of(labels, group)
        has_numbers = any(is_number(v) for v in values)
        if labels:
            joined = "".join(labels)
            key = _t3_key(joined, group) or _t3_key(labels[-1], group)
            if key is None:
                if has_numbers:
                    warnings.append(f"{where}: local row {joined!r} is not a template row; ignored")
                pending = [] if values else pending + [joined]
                continue
            if values:
                assign(key, values, joined)
                pending = []
            else:
                pending.append(joined)
        elif has_numbers and pending:
            # numbers under a label that wrapped onto lines of its own
            for label in reversed(pending):
                key = _t3_key(label, group) or _t3_key("".join(pending), group)
                if key:
                    assign(key, values, label)
                    break
            pending = []
    if not raw:
        return None, warnings
    return _resolve_blanks(raw, T3_COLUMNS, where, warnings), warnings


def _resolve_blanks(raw: dict, columns: Sequence[str], where: str, warnings: list[str]) -> dict:
    """Blank cells of a template row that is present become 0 (reports leave zeros blank,
    whole forms included when nothing happened); cells that could not be read stay null."""
    has_numbers = any(
        value is not None for parsed in raw.values() if parsed for value, _ in parsed
    )
    if not has_numbers:
        warnings.append(f"{where}: every cell blank; read as zeros")
        has_numbers = True
    table: dict[str, dict[str, int | None]] = {}
    for key, parsed in raw.items():
        if parsed is None:
            table[key] = dict.fromkeys(columns)
            continue
        table[key] = {
            col: (0 if blank and has_numbers else value)
            for col, (value, blank) in zip(columns, parsed, strict=True)
        }
    return table


def complete_t3(t3: dict, warnings: list[str]) -> tuple[dict, str | None]:
    """Add the template rows not found (null, with a warning) in canonical order, and say which
    表三 version the rows show: three 其他处理 rows → "2021", one → "2019"."""
    other: tuple[str, ...]
    if any(k in t3 for k in T3_OTHER_V2):
        other, version = T3_OTHER_V2, "2021"
    elif "other" in t3:
        other, version = T3_OTHER_V1, "2019"
    else:
        other, version = T3_OTHER_V1, None
    ordered: dict[str, dict[str, int | None]] = {}
    for key in (*T3_ROWS_COMMON, *other, "result_total", "carried_out"):
        if key in t3:
            ordered[key] = t3[key]
        else:
            warnings.append(f"表三: row {key} not found; left null")
            ordered[key] = dict.fromkeys(T3_COLUMNS)
    return ordered, version


# ----------------------------------------------------------------- 表三 before 2019 (local)

# The 2008–2018 统计表 (统计指标 | 单位 | 统计数) that most provinces used has one number per row.
# Rows whose meaning matches a canonical key map to it; "不同意公开答复数" is every refusal
# together, so it becomes the group total ``denied`` rather than any one reason.
_T3_LOCAL: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(p))
    for key, p in (
        ("received", r"收到(?:的)?申请(?:总)?数(?:量)?"),
        ("result_total", r"(?:申请)?办结(?:总)?数"),
        ("granted", r"同意公开(?:答复)?数"),
        ("partial", r"同意部分公开(?:答复)?数"),
        ("denied", r"不同意公开(?:答复)?数"),
        ("unavailable.not_held", r"不属于本(?:行政)?机关公开(?:范围)?数|申请信息不存在数"),
        ("unavailable.unclear", r"告知作出更改补充数"),
        ("other", r"告知通过其他途径办理数"),
    )
)
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d+[.、])")


def read_t3_local(rows: list[list[str]], where: str = "统计表") -> tuple[dict | None, list[str]]:
    """Best effort for pre-2019 reports: ``{key: {"total": n}}`` from a local 统计表, or None
    when fewer than two of its rows are recognised."""
    warnings: list[str] = []
    table: dict[str, dict[str, int | None]] = {}
    for cells in rows:
        labels, values = split_row(cells)
        numbers = [v for v in values if is_number(v)]
        if not labels or len(numbers) != 1:
            continue
        label = _NUMBERING.sub("", labels[0])
        key = next((k for k, p in _T3_LOCAL if p.fullmatch(label)), None)
        if key is None:
            continue
        if key in table:
            warnings.append(f"{where}: row {labels[0]!r} repeats {key}; first kept")
            continue
        table[key] = {"total": _int_value(numbers[0])[0]}
    if len(table) < 2:
        return None, []
    return table, warnings


# ------------------------------------------------------------------------------------ 表四


def read_t4(rows: list[list[str]], where: str = "表四") -> tuple[dict | None, list[str]]:
    """表四's 15 numbers (the one row of values under the header) → ``{group: {column: int}}``.
    A header without any value row gives nulls and a warning (seen in real reports)."""
    warnings: list[str] = []
    header_seen = False
    for cells in rows:
        labels, values = split_row(cells)
        if labels:
            joined = "".join(labels)
            if re.search(r"尚未审结|复议后起诉|结果维持|结果纠正", joined):
                header_seen = True
            continue
        if not header_seen or not any(is_number(v) for v in values):
            continue
        aligned, problem = _align(values, 15)
        if aligned is None:
            warnings.append(f"{where}: value row: {problem}; left null")
            return _empty_t4(), warnings
        if problem:
            warnings.append(f"{where}: value row: {problem}")
        parsed = [_int_value(c) for c in aligned]
        table: dict[str, dict[str, int | None]] = {}
        for g, group in enumerate(T4_GROUPS):
            table[group] = {
                col: (0 if parsed[g * 5 + c][1] else parsed[g * 5 + c][0])
                for c, col in enumerate(T4_COLUMNS)
            }
        return table, warnings
    if header_seen:
        # the form printed and left blank: blank cells are zeros (DOMAIN.md §3, 零报告)
        warnings.append(f"{where}: header without a row of numbers; read as zeros")
        return {group: dict.fromkeys(T4_COLUMNS, 0) for group in T4_GROUPS}, warnings
    return None, warnings


def _empty_t4() -> dict[str, dict[str, int | None]]:
    return {group: dict.fromkeys(T4_COLUMNS) for group in T4_GROUPS}


# ------------------------------------------------------------------------------------ 表二


def _t2_columns_in(label: str) -> list[str]:
    """Column keys named in one header cell, in reading order (a flattened header can hold
    several: "信息内容本年制发件数本年废止件数现行有效件数")."""
    found = []
    for key, pattern in _T2_COLUMNS:
        for m in pattern.finditer(label):
            found.append((m.start(), key))
    return [key for _, key in sorted(found)]


def _t2_header(labels: list[str]) -> tuple[list[str], str | None] | None:
    """Column keys of a 表二 header row (the cells after 信息内容), and a unit named in it."""
    if not labels or "信息内容" not in labels[0]:
        return None
    cells = [labels[0].split("信息内容", 1)[1], *labels[1:]]
    keys: list[str] = []
    for label in cells:
        named = _t2_columns_in(label)
        if named:
            keys.extend(named)
        elif label:
            keys.append("?" + label)  # an unknown column still occupies its place
    joined = "".join(cells)
    unit = "万元" if "万元" in joined else "元" if "元" in joined else None
    return keys, unit


def read_t2(rows: list[list[str]], where: str = "表二") -> tuple[dict | None, str | None, list[str]]:
    """表二 → ``{row_key: {column_key: value}}`` (amounts in yuan), the version its column
    labels show ("2019" v1 / "2021" v2), and warnings."""
    warnings: list[str] = []
    header: list[str] | None = None
    unit: str | None = None
    table: dict[str, dict[str, Any]] = {}
    blanks: list[tuple[str, str]] = []
    for cells in rows:
        labels, values = split_row(cells)
        if not labels:
            continue
        parsed_header = _t2_header(labels)
        if parsed_header:
            header, unit = parsed_header
            continue
        row_key = next((k for k, p in _T2_ROWS if p.search(labels[0])), None)
        if row_key is None or header is None:
            continue
        aligned, problem = _align(values, len(header))
        if aligned is None:
            warnings.append(f"{where}: row {labels[0]!r}: {problem}; left null")
            table[row_key] = {k: None for k in header if not k.startswith("?") and k != "items"}
            continue
        row: dict[str, Any] = {}
        for key, cell in zip(header, aligned, strict=True):
            if key.startswith("?") or key == "items":
                continue
            if squash(cell) == "":
                blanks.append((row_key, key))
                row[key] = None
            elif key == "amount":
                row[key] = _amount_yuan(cell, unit)
            else:
                row[key] = _int_value(cell)[0]
            if row[key] is None and squash(cell) != "":
                warnings.append(f"{where}: row {labels[0]!r}: unreadable {key} {cell!r}")
        table.setdefault(row_key, row)
    if not table:
        return None, None, warnings
    if any(row.get(k) is not None for row in table.values() for k in row):
        for row_key, key in blanks:
            table[row_key][key] = 0
    keys = {k for row in table.values() for k in row}
    version = "2021" if keys & _T2_V2_COLUMNS else "2019" if keys & _T2_V1_COLUMNS else None
    return table, version, warnings


# ------------------------------------------------------------------------------- documents


def _filled(table: dict | None) -> int:
    if not table:
        return 0
    return sum(
        1 for row in table.values() if isinstance(row, dict) for v in row.values() if v is not None
    )


def _complete(table: dict | None) -> bool:
    """A table read with every cell a number and every template row present."""
    if not table:
        return False
    values = [v for row in table.values() if isinstance(row, dict) for v in row.values()]
    return bool(values) and None not in values and (
        "received" not in table or len(table) >= len(T3_ROWS_COMMON) + 3)


def _table_kind(table: Table) -> set[str]:
    joined = squash("".join("".join(r) for r in table.rows))
    kinds = set()
    if sum(1 for _, p in _T3_LEAVES if p.search(joined)) >= 2:
        kinds.add("t3")
    if re.search(r"尚未审结|复议后起诉|未经复议", joined):
        kinds.add("t4")
    if re.search(r"第二十条|规范性文件|行政许可|政府集中采购|行政事业性收费", joined):
        kinds.add("t2")
    return kinds


def _grid_rows(tables: Sequence[Table], kind: str) -> list[list[str]]:
    rows: list[list[str]] = []
    previous: set[str] = set()
    for table in tables:
        kinds = _table_kind(table)
        # a table of bare numbers right after a 表四 header is its value row on the next page
        numbers_only = all(not split_row(r)[0] for r in table.rows)
        if kind in kinds or (numbers_only and kind in previous):
            rows.extend([list(r) for r in table.rows])
        previous = kinds
    return rows


def _text_rows_for(text: str, numeral: str) -> list[list[str]]:
    section = section_text(text, numeral)
    return text_rows(section if section is not None else text)


def read_tables(tables: Sequence[Table], text: str) -> TablesResult:
    """All three tables of one document, from its grids and from its text, keeping for each
    table whichever source filled more cells (grids win ties): a PDF grid may miss a row that
    its text kept, and a flattened HTML text may have lost blank cells that the grid kept."""
    result = TablesResult()

    def best(reader, kind: str, numeral: str):
        candidates = []
        grid = _grid_rows(tables, kind)
        if grid:
            candidates.append(reader(grid))
            if kind != "t2" and _complete(candidates[0][0]):  # 表二 has no fixed row set
                return candidates[0]  # nothing the text could add
        text_part = _text_rows_for(text, numeral)
        if text_part:
            candidates.append(reader(text_part))
        if not candidates:
            return None
        return max(candidates, key=lambda c: _filled(c[0]))  # first (grid) wins ties

    t3 = best(read_t3, "t3", "三")
    local = None
    if not t3 or not _filled(t3[0]):  # no template 表三: a pre-2019 local 统计表, best effort
        local, warnings = read_t3_local([list(r) for t in tables for r in t.rows])
        if local is None:
            local, warnings = read_t3_local(text_rows(text))
        if local is not None:
            result.t3, result.t3_version = local, "2008"
            result.warnings.extend(warnings)
    if local is None and t3 and t3[0] is not None:
        result.warnings.extend(t3[1])
        result.t3, result.t3_version = complete_t3(t3[0], result.warnings)
    t4 = best(read_t4, "t4", "四")
    if t4 and t4[0] is not None:
        result.t4 = t4[0]
        result.warnings.extend(t4[1])
    t2 = best(read_t2, "t2", "二")
    if t2 and t2[0] is not None:
        result.t2, result.t2_version = t2[0], t2[1]
        result.warnings.extend(t2[2])
    return result
