"""Spreadsheet renderings: the report's statistical tables (表二/表三/表四), one sheet each, as
agencies attach them: a title row, the form with merged header cells and ruled borders, numbers
stored as numbers, and the signing body and date underneath. XLS through xlwt (BIFF8), XLSX
through openpyxl with fixed document properties and zip timestamps."""

from __future__ import annotations

import io
import re

from sandbox.content import ReportContent
from sandbox.templates.layout import Cell, Grid, grid_for, table_slots
from sandbox.templates.style import document_datetime, paragraphs, signature_lines, style_of
from sandbox.templates.ziputil import normalise_zip

SHEET_NAMES = {"t2": "表二 主动公开", "t3": "表三 依申请公开", "t4": "表四 复议诉讼"}
_TOP = 2  # the form starts under a title row and a blank row


def sheet_tables(content: ReportContent) -> list[tuple[str, Grid]]:
    """(sheet name, grid) of every table the report has, in form order."""
    style = style_of(content).table
    names = [n for i in sorted(table_slots(content)) for n in table_slots(content)[i]]
    return [(SHEET_NAMES[n], grid_for(n, content, style)) for n in sorted(names)]


TEXT_SHEET = "年度报告"


def text_lines(content: ReportContent) -> list[str]:
    """The report as lines of text, for a workbook of a report without tables (the whole
    report pasted into a sheet, one paragraph per row, as some agencies do)."""
    lines: list[str] = []
    for heading, body in content.sections:
        lines.extend([heading] if heading else [])
        lines.extend(paragraphs(body))
    return lines + signature_lines(content)


def _cell_value(cell: Cell) -> int | str:
    if cell.kind == "value" and re.fullmatch(r"[+-]?\d+", cell.text):
        return int(cell.text)
    return cell.text


def render_xls(content: ReportContent) -> bytes:
    """The tables as an Excel 97-2003 workbook."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ruled = xlwt.easyxf(
        "font: name 宋体, height 180; align: wrap on, vert centre, horiz centre;"
        "borders: left thin, right thin, top thin, bottom thin"
    )
    title_style = xlwt.easyxf("font: name 宋体, height 280, bold on; align: horiz centre")
    plain = xlwt.easyxf("font: name 宋体, height 200")
    tables: list[tuple[str, Grid | None]] = list(sheet_tables(content)) or [(TEXT_SHEET, None)]
    for sheet_name, grid in tables:
        sheet = book.add_sheet(sheet_name)
        ncols = grid.ncols if grid else 1
        sheet.write_merge(0, 0, 0, ncols - 1, content.title, title_style)
        if grid is None:
            for offset, line in enumerate(text_lines(content)):
                sheet.write(_TOP + offset, 0, line, plain)
            continue
        for i, width in enumerate(grid.widths):
            sheet.col(i).width = int(width * 2600)
        for cell in grid.cells():
            r, c = _TOP + cell.row, cell.col
            sheet.write_merge(r, r + cell.rowspan - 1, c, c + cell.colspan - 1, _cell_value(cell), ruled)
        for offset, line in enumerate(signature_lines(content)):
            sheet.write(_TOP + grid.nrows + 1 + offset, max(ncols - 3, 0), line, plain)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_CORE_TIMES = re.compile(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def render_xlsx(content: ReportContent) -> bytes:
    """The tables as an Office Open XML workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    when = document_datetime(content)
    book = Workbook()
    book.remove(book.active)
    side = Side(style="thin")
    border = Border(left=side, right=side, top=side, bottom=side)
    tables: list[tuple[str, Grid | None]] = list(sheet_tables(content)) or [(TEXT_SHEET, None)]
    for sheet_name, grid in tables:
        sheet = book.create_sheet(sheet_name)
        ncols = grid.ncols if grid else 1
        sheet.cell(row=1, column=1, value=content.title).font = Font(name="宋体", size=14, bold=True)
        if ncols > 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
        if grid is None:
            for offset, line in enumerate(text_lines(content)):
                sheet.cell(row=_TOP + 1 + offset, column=1, value=line)
            continue
        for i, width in enumerate(grid.widths):
            sheet.column_dimensions[_column_letter(i + 1)].width = width * 9
        for cell in grid.cells():
            r, c = _TOP + 1 + cell.row, 1 + cell.col
            target = sheet.cell(row=r, column=c, value=_cell_value(cell) if cell.text else None)
            target.alignment = Alignment(
                wrap_text=True, vertical="center", horizontal="left" if cell.kind == "label" else "center"
            )
            target.font = Font(name="宋体", size=9)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    sheet.cell(row=r + dr, column=c + dc).border = border
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(
                    start_row=r, start_column=c, end_row=r + cell.rowspan - 1, end_column=c + cell.colspan - 1
                )
        for offset, line in enumerate(signature_lines(content)):
            sheet.cell(row=_TOP + grid.nrows + 2 + offset, column=max(ncols - 2, 1), value=line)
    book.properties.creator = "Administrator"
    book.properties.title = content.title
    book.properties.created = when
    out = io.BytesIO()
    book.save(out)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return normalise_zip(out.getvalue(), {"docProps/core.xml": (_CORE_TIMES, rf"\g<1>{stamp}\g<3>")})


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
