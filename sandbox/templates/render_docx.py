"""DOCX rendering with python-docx: direct formatting as government typists use it (仿宋 body,
黑体 headings, centred title), real Word tables with merged cells, fixed document properties and
zip timestamps so the bytes depend only on the content."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from sandbox.content import ReportContent
from sandbox.templates.layout import Cell, Grid, grid_for, table_slots
from sandbox.templates.style import document_datetime, paragraphs, signature_lines, style_of
from sandbox.templates.ziputil import normalise_zip

_BODY_FONT = "仿宋_GB2312"
_HEADING_FONT = "黑体"
_TITLE_FONT = "方正小标宋简体"


def _font(run, name: str, size: float, bold: bool = False) -> None:  # noqa: ANN001 - docx Run
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _cell_xml(text: str, width: int, colspan: int, vmerge: str | None, center: bool) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if colspan > 1:
        props += f'<w:gridSpan w:val="{colspan}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    props += '<w:vAlign w:val="center"/>'
    ppr = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    run = ""
    if text:
        run = (
            '<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/>'
            f'<w:sz w:val="18"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
        )
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{ppr}{run}</w:p></w:tc>"


def _table(document, grid: Grid) -> None:  # noqa: ANN001 - docx Document
    """A Word table with merged cells written as Word writes them (gridSpan across columns,
    vMerge restart/continue down rows); python-docx's cell.merge() is quadratic in table size."""
    total = 8800  # twentieths of a point across the text width
    unit = total / sum(grid.widths)
    widths = [round(w * unit) for w in grid.widths]
    table = document.add_table(rows=0, cols=grid.ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    starts = {(c.row, c.col): c for c in grid.cells()}
    covering: dict[tuple[int, int], Cell] = {}
    for c in grid.cells():
        for dr in range(1, c.rowspan):
            covering[(c.row + dr, c.col)] = c
    for r in range(grid.nrows):
        cells_xml = []
        col = 0
        while col < grid.ncols:
            cell = starts.get((r, col))
            if cell is not None:
                vmerge = "restart" if cell.rowspan > 1 else None
                text, span, center = cell.text, cell.colspan, cell.kind != "label"
            elif (r, col) in covering:
                above = covering[(r, col)]
                vmerge, text, span, center = "continue", "", above.colspan, False
            else:
                raise ValueError(f"table {grid.name}: slot ({r}, {col}) is not covered by any cell")
            width = sum(widths[col : col + span])
            cells_xml.append(_cell_xml(text, width, span, vmerge, center))
            col += span
        table._tbl.append(parse_xml(f"<w:tr {nsdecls('w')}>{''.join(cells_xml)}</w:tr>"))


def render_docx(content: ReportContent) -> bytes:
    """The report as a Word document."""
    style = style_of(content)
    document = Document()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(content.title), _TITLE_FONT, 22)
    slots = table_slots(content)
    for i, (heading, body) in enumerate(content.sections):
        if heading:
            _font(document.add_paragraph().add_run(heading), _HEADING_FONT, 16)
        for text in paragraphs(body):
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(32)
            _font(paragraph.add_run(text), _BODY_FONT, 16)
        for name in slots.get(i, []):
            _table(document, grid_for(name, content, style.table))
    for line in signature_lines(content):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(paragraph.add_run(line), _BODY_FONT, 16)

    when = document_datetime(content)
    props = document.core_properties
    props.title = content.title
    props.author = "Administrator"
    props.last_modified_by = "Administrator"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    out = io.BytesIO()
    document.save(out)
    return normalise_zip(out.getvalue())

