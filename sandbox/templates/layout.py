"""The official table forms (表二/表三/表四 of 国办公开办函〔2019〕60号 and 〔2021〕30号, and the
local 统计表 of earlier years) as grids of cells with row and column spans.

Every output format draws the same grid, so a report's tables have the same merged-cell layout in
HTML, PDF, DOCX and spreadsheets, as they do when one Word file is exported to all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.content import APPLICANT_COLUMNS, T4_COLUMNS, T4_GROUPS, ReportContent


@dataclass
class Cell:
    """One (possibly merged) cell. ``kind`` is ``title`` (a block caption such as
    第二十条第（一）项), ``header``, ``label`` or ``value``; ``row``/``col`` is its top-left slot."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"
    row: int = 0
    col: int = 0


@dataclass
class Grid:
    """A table: ``rows[i]`` holds the cells whose top-left slot is in row ``i`` (as in HTML)."""

    name: str
    ncols: int
    widths: list[float]
    rows: list[list[Cell]] = field(default_factory=list)
    _taken: set[tuple[int, int]] = field(default_factory=set, repr=False)

    def add_row(self, *cells: Cell) -> None:
        """Place cells left to right in the next row, skipping slots taken by earlier rowspans."""
        r = len(self.rows)
        c = 0
        for cell in cells:
            while (r, c) in self._taken:
                c += 1
            cell.row, cell.col = r, c
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    self._taken.add((r + dr, c + dc))
            c += cell.colspan
        if c > self.ncols:
            raise ValueError(f"table {self.name}: row {r} has {c} columns, more than {self.ncols}")
        self.rows.append(list(cells))

    @property
    def nrows(self) -> int:
        return len(self.rows)

    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row]


@dataclass(frozen=True)
class TableStyle:
    """Layout choices that differ between real reports of the same template."""

    blank_zero: bool = False  # empty cells for 0 (seen in many 表三s)
    total_label: str = "总计"  # some forms say 合计
    social_label: str = "社会公益组织"  # some forms say 社会组织
    plus_sign: bool = False  # 本年增/减 written as +3
    money_unit: str = "万元"  # procurement amount unit: 万元 or 元


def _num(value: int | None, blank_zero: bool) -> str:
    if value is None:
        return ""
    if value == 0 and blank_zero:
        return ""
    return str(value)


def _values(cells: dict[str, int], keys: tuple[str, ...], blank_zero: bool) -> list[Cell]:
    return [Cell(_num(cells.get(k), blank_zero), kind="value") for k in keys]


# --------------------------------------------------------------------------------------------
# 表三

T3_ROW_LABELS: dict[str, str] = {
    "received": "一、本年新收政府信息公开申请数量",
    "carried_in": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied.state_secret": "1.属于国家秘密",
    "denied.prohibited": "2.其他法律行政法规禁止公开",
    "denied.security": "3.危及“三安全一稳定”",
    "denied.third_party": "4.保护第三方合法权益",
    "denied.internal": "5.属于三类内部事务信息",
    "denied.process": "6.属于四类过程性信息",
    "denied.enforcement": "7.属于行政执法案卷",
    "denied.inquiry": "8.属于行政查询事项",
    "unavailable.not_held": "1.本机关不掌握相关政府信息",
    "unavailable.needs_creation": "2.没有现成信息需要另行制作",
    "unavailable.unclear": "3.补正后申请内容仍不明确",
    "not_processed.petition": "1.信访举报投诉类申请",
    "not_processed.duplicate": "2.重复申请",
    "not_processed.publication": "3.要求提供公开出版物",
    "not_processed.vexatious": "4.无正当理由大量反复申请",
    "not_processed.confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other": "（六）其他处理",
    "other.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "3.其他",
    "result_total": "（七）总计",
    "carried_out": "四、结转下年度继续办理",
}
T3_GROUP_LABELS = {
    "denied": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}
T3_HEADER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_RESULTS_LABEL = "三、本年度办理结果"

# Labels of the pre-2019 local 统计表 (依申请公开情况 part), one total column.
T3_LOCAL_LABELS: dict[str, str] = {
    "received": "收到申请数",
    "result_total": "办结数",
    "granted": "同意公开答复数",
    "partial": "同意部分公开答复数",
    "denied.prohibited": "不同意公开答复数",
    "unavailable.not_held": "不属于本行政机关公开数",
    "unavailable.unclear": "告知作出更改补充数",
    "other": "告知通过其他途径办理数",
}


def t3_grid(content: ReportContent, style: TableStyle) -> Grid:
    """表三 as printed: the 勾稽关系 note, applicant headers, grouped outcome rows."""
    if content.template == "2008":
        return _t3_local_grid(content, style)
    t3 = content.t3
    cols = (*APPLICANT_COLUMNS, "total")
    grid = Grid("t3", 10, [0.9, 1.3, 3.2] + [1.0] * 7)
    grid.add_row(Cell(T3_HEADER_NOTE, 3, 3, "header"), Cell("申请人情况", 1, 7, "header"))
    grid.add_row(
        Cell("自然人", 2, 1, "header"),
        Cell("法人或其他组织", 1, 5, "header"),
        Cell(style.total_label, 2, 1, "header"),
    )
    grid.add_row(
        *(
            Cell(t, kind="header")
            for t in ("商业企业", "科研机构", style.social_label, "法律服务机构", "其他")
        )
    )

    def values(row: str) -> list[Cell]:
        return _values(t3.get(row, {}), cols, style.blank_zero)

    grid.add_row(Cell(T3_ROW_LABELS["received"], 1, 3), *values("received"))
    grid.add_row(Cell(T3_ROW_LABELS["carried_in"], 1, 3), *values("carried_in"))
    v2 = content.template == "2021"
    results_rows = 2 + 8 + 3 + 5 + (3 if v2 else 1) + 1
    grid.add_row(
        Cell(T3_RESULTS_LABEL, results_rows, 1, "label"),
        Cell(T3_ROW_LABELS["granted"], 1, 2),
        *values("granted"),
    )
    grid.add_row(Cell(T3_ROW_LABELS["partial"], 1, 2), *values("partial"))
    groups = ["denied", "unavailable", "not_processed"] + (["other"] if v2 else [])
    for group in groups:
        keys = [k for k in T3_ROW_LABELS if k.startswith(group + ".")]
        for i, key in enumerate(keys):
            lead = [Cell(T3_GROUP_LABELS[group], len(keys), 1)] if i == 0 else []
            grid.add_row(*lead, Cell(T3_ROW_LABELS[key]), *values(key))
    if not v2:
        grid.add_row(Cell(T3_ROW_LABELS["other"], 1, 2), *values("other"))
    grid.add_row(Cell(T3_ROW_LABELS["result_total"], 1, 2), *values("result_total"))
    grid.add_row(Cell(T3_ROW_LABELS["carried_out"], 1, 3), *values("carried_out"))
    return grid


def _t3_local_grid(content: ReportContent, style: TableStyle) -> Grid:
    grid = Grid("t3", 3, [4.0, 1.0, 1.2])
    grid.add_row(*(Cell(t, kind="header") for t in ("统计指标", "单位", "统计数")))
    for key, label in T3_LOCAL_LABELS.items():
        if key in content.t3:
            value = content.t3[key].get("total")
            grid.add_row(Cell(label), Cell("件", kind="header"), Cell(_num(value, False), kind="value"))
    return grid


# --------------------------------------------------------------------------------------------
# 表四

T4_GROUP_LABELS = {"review": "行政复议", "suit_direct": "未经复议直接起诉", "suit_after_review": "复议后起诉"}
T4_COLUMN_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结"}


def t4_grid(content: ReportContent, style: TableStyle) -> Grid:
    """表四: one row of 15 numbers under a two-level header."""
    labels = [*T4_COLUMN_LABELS.values(), style.total_label]
    grid = Grid("t4", 15, [1.0] * 15)
    grid.add_row(Cell("行政复议", 1, 5, "header"), Cell("行政诉讼", 1, 10, "header"))
    grid.add_row(
        *(Cell(t, 2, 1, "header") for t in labels),
        Cell(T4_GROUP_LABELS["suit_direct"], 1, 5, "header"),
        Cell(T4_GROUP_LABELS["suit_after_review"], 1, 5, "header"),
    )
    grid.add_row(*(Cell(t, kind="header") for t in labels * 2))
    grid.add_row(
        *(
            cell
            for group in T4_GROUPS
            for cell in _values(content.t4.get(group, {}), T4_COLUMNS, style.blank_zero)
        )
    )
    return grid


# --------------------------------------------------------------------------------------------
# 表二

T2_COLUMN_LABELS_V1 = {
    "made": "本年新制作数量",
    "published": "本年新公开数量",
    "total": "对外公开总数量",
    "prev_items": "上一年项目数量",
    "items": "本年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "projects": "采购项目数量",
    "amount": "采购总金额",
}
T2_COLUMN_LABELS_V2 = {
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "decisions": "本年处理决定数量",
    "amount": "本年收费金额（单位：万元）",
}
# (caption, [(row label, t2 key)], canonical column keys) per block of the form.
T2_BLOCKS_V1 = [
    ("第二十条第（一）项", [("规章", "rules"), ("规范性文件", "normative")], ("made", "published", "total")),
    (
        "第二十条第（五）项",
        [("行政许可", "licensing"), ("其他对外管理服务事项", "other_services")],
        ("prev_items", "change", "decisions"),
    ),
    ("第二十条第（六）项", [("行政处罚", "penalty"), ("行政强制", "coercion")], ("prev_items", "change", "decisions")),
    ("第二十条第（八）项", [("行政事业性收费", "fees")], ("prev_items", "change")),
    ("第二十条第（九）项", [("政府集中采购", "procurement")], ("projects", "amount")),
]
T2_BLOCKS_V2 = [
    ("第二十条第（一）项", [("规章", "rules"), ("行政规范性文件", "normative")], ("issued", "repealed", "in_force")),
    ("第二十条第（五）项", [("行政许可", "licensing")], ("decisions",)),
    ("第二十条第（六）项", [("行政处罚", "penalty"), ("行政强制", "coercion")], ("decisions",)),
    ("第二十条第（八）项", [("行政事业性收费", "fees")], ("amount",)),
]


def wan(amount_yuan: int) -> str:
    """Yuan as 万元 without float rounding (7735000 -> 773.5)."""
    text = format(Decimal(amount_yuan) / Decimal(10000), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _t2_value(key: str, column: str, value: int | None, v2: bool, style: TableStyle) -> str:
    if value is None:
        return ""
    if column == "amount":
        if v2:
            return wan(value)
        return f"{wan(value)}万元" if style.money_unit == "万元" and value else f"{value}元" if value else "0"
    if column == "change" and style.plus_sign and value > 0:
        return f"+{value}"
    return str(value)


def t2_grid(content: ReportContent, style: TableStyle) -> Grid:
    """表二 as blocks of 第二十条 items, each with its own header row; local extra columns
    (such as 本年项目数量) are kept where the report has them."""
    v2 = content.template == "2021"
    blocks = T2_BLOCKS_V2 if v2 else T2_BLOCKS_V1
    labels = T2_COLUMN_LABELS_V2 if v2 else T2_COLUMN_LABELS_V1
    laid_out = []
    for caption, rows, canonical in blocks:
        columns = list(canonical)
        if not v2 and "prev_items" in columns and any("items" in content.t2.get(k, {}) for _, k in rows):
            columns.insert(columns.index("prev_items") + 1, "items")
        laid_out.append((caption, rows, columns))
    ncols = 1 + max(len(cols) for _, _, cols in laid_out)
    grid = Grid("t2", ncols, [2.4] + [1.3] * (ncols - 1))
    for caption, rows, columns in laid_out:
        grid.add_row(Cell(caption, 1, ncols, "title"))
        spans = [1] * len(columns)
        spans[-1] += ncols - 1 - len(columns)
        grid.add_row(
            Cell("信息内容", kind="header"),
            *(Cell(labels[c], 1, s, "header") for c, s in zip(columns, spans, strict=True)),
        )
        for label, key in rows:
            cells = content.t2.get(key, {})
            grid.add_row(
                Cell(label),
                *(
                    Cell(_t2_value(key, c, cells.get(c), v2, style), 1, s, "value")
                    for c, s in zip(columns, spans, strict=True)
                ),
            )
    return grid


def table_slots(content: ReportContent) -> dict[int, list[str]]:
    """Which tables follow which section: section index -> table names ("t2", "t3", "t4").

    Tables go after the section whose heading names them (主动公开 → 表二, 申请 → 表三,
    复议/诉讼 → 表四); a table with no such section goes at the end of the last section.
    """
    wanted = [
        ("t2", ("主动公开",)),
        ("t3", ("收到和处理", "依申请")),
        ("t4", ("行政复议", "行政诉讼")),
    ]
    slots: dict[int, list[str]] = {}
    for name, keys in wanted:
        if not getattr(content, name):
            continue
        index = next(
            (i for i, (h, _) in enumerate(content.sections) if h and any(k in h for k in keys)),
            max(len(content.sections) - 1, 0),
        )
        slots.setdefault(index, []).append(name)
    return slots


def grid_for(name: str, content: ReportContent, style: TableStyle) -> Grid:
    """The grid of table ``name`` ("t2", "t3" or "t4") of a report."""
    return {"t2": t2_grid, "t3": t3_grid, "t4": t4_grid}[name](content, style)
