"""Render a :class:`~sandbox.content.ReportContent` the way real portals publish reports.

The inline HTML copies what portal CMSs emit when an editor pastes a Word file (``<td><p><span>``
nesting, ``&nbsp;`` in empty cells, 　　-indented paragraphs); the attachments are what Word and
WPS export: a PDF with a CJK text layer and ruled tables (reportlab), a scanned image-only PDF,
DOCX with merged cells (python-docx), Word-97 DOC and WPS (LibreOffice headless), XLS (xlwt)
and XLSX (openpyxl). Layout choices (blank zeros, 合计, label wording, date style) are drawn from
a hash of the content, so one report looks the same in every format and on every run, while
different reports differ as real ones do. Output bytes are deterministic for the same content.
"""

from __future__ import annotations

import html
import re

from sandbox.content import ReportContent
from sandbox.templates import office
from sandbox.templates.layout import Cell, Grid, grid_for, table_slots
from sandbox.templates.style import Style, paragraphs, signature_lines, style_of

FORMATS = ("pdf", "pdf_scan", "docx", "doc", "wps", "xls", "xlsx")
TABLE_NAMES = {"t2": "表二", "t3": "表三", "t4": "表四"}
TABLE_CAPTIONS = {
    "t2": "主动公开政府信息情况",
    "t3": "收到和处理政府信息公开申请情况",
    "t4": "政府信息公开行政复议、行政诉讼情况",
}


_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


# --------------------------------------------------------------------------------------------
# HTML


def _html_cell(cell: Cell, style: Style) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    text = cell.text
    if text and style.spaced_results_label and cell.rowspan > 6:
        text = text[:2] + " ".join(text[2:])
    inner = html.escape(text) if text else ("&nbsp;" if style.nbsp_blanks else "")
    align = "left" if cell.kind == "label" else "center"
    if style.word_html:
        return (
            f'<td{attrs} valign="center" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt">'
            f'<p class="MsoNormal" align="{align}" style="text-align:{align}">'
            f'<span style="font-size:10.5pt;font-family:宋体">{inner}</span></p></td>'
        )
    return f'<td{attrs} align="{align}">{inner}</td>'


def _html_table(grid: Grid, style: Style) -> str:
    if style.word_html:
        opening = (
            '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
            'style="border-collapse:collapse;border:none">'
        )
    else:
        opening = '<table border="1" cellspacing="0" cellpadding="0" width="100%">'
    rows = ["<tr>" + "".join(_html_cell(c, style) for c in row) + "</tr>" for row in grid.rows]
    return opening + "<tbody>" + "".join(rows) + "</tbody></table>"


def _html_paragraph(text: str, style: Style, align: str = "") -> str:
    body = html.escape(text)
    if align:
        css = f"text-align:{align}"
    elif style.indent == "css":
        css = "text-indent:2em"
    else:
        css = ""
        body = ("　　" if style.indent == "fullwidth" else "&nbsp;" * 4) + body
    if _SUBHEADING.match(text) and len(text) < 40 and not align:
        body = f"<strong>{body}</strong>"
    if style.word_html:
        return (
            f'<p class="MsoNormal" style="{css + ";" if css else ""}line-height:28.0pt">'
            f'<span style="font-size:16.0pt;font-family:仿宋_GB2312">{body}</span></p>'
        )
    return f'<p style="{css}">{body}</p>' if css else f"<p>{body}</p>"


def _html_heading(text: str, style: Style) -> str:
    if style.heading_tag == "h3":
        return f"<h3>{html.escape(text)}</h3>"
    font = ' style="font-family:黑体"' if style.word_html else ""
    return f'<p class="MsoNormal"><strong><span{font}>{html.escape(text)}</span></strong></p>'


def _body_blocks(content: ReportContent) -> tuple[str, list[str], str]:
    """(opening tag, one HTML block per section with its tables, closing part)."""
    style = style_of(content)
    slots = table_slots(content)
    opening = '<div class="TRS_Editor">' if style.word_html else '<div class="article-content">'
    blocks: list[str] = []
    if style.title_in_body:
        blocks.append(
            '<p style="text-align:center"><strong><span style="font-size:22px">'
            f"{html.escape(content.title)}</span></strong></p>"
        )
    for i, (heading, body) in enumerate(content.sections):
        out = [_html_heading(heading, style)] if heading else []
        out.extend(_html_paragraph(p, style) for p in paragraphs(body))
        out.extend(_html_table(grid_for(name, content, style.table), style) for name in slots.get(i, []))
        if out:
            blocks.append("\n".join(out))
    closing = "\n".join(
        [*(_html_paragraph(line, style, align="right") for line in signature_lines(content)), "</div>"]
    )
    return opening, blocks, closing


def report_body_html(content: ReportContent) -> str:
    """The article body as a portal CMS serves it: optional repeated title, headings,
    paragraphs, the tables after their sections, and the signature and date at the end."""
    opening, blocks, closing = _body_blocks(content)
    return "\n".join([opening, *blocks, closing])


def report_body_pages(content: ReportContent, pages: int) -> list[str]:
    """The body cut into ``pages`` parts at section boundaries, as CMS page breaks (分页) cut
    long articles; each part is a complete fragment and the signature ends the last one.
    Joining the parts' inner blocks gives back :func:`report_body_html`'s content."""
    if pages < 1:
        raise ValueError(f"pages must be at least 1, got {pages}")
    opening, blocks, closing = _body_blocks(content)
    pages = min(pages, max(len(blocks), 1))
    parts: list[list[str]] = []
    start = 0
    for i in range(pages):  # contiguous runs of sections, as even in count as possible
        size = len(blocks) // pages + (1 if i < len(blocks) % pages else 0)
        parts.append(blocks[start : start + size])
        start += size
    end = "</div>"
    return [
        "\n".join([opening, *part, closing if i == len(parts) - 1 else end])
        for i, part in enumerate(parts)
    ]


# --------------------------------------------------------------------------------------------
# Entry point


def render_document(content: ReportContent, fmt: str) -> bytes:
    """The report as a file of format ``fmt`` (one of :data:`FORMATS`).

    PDF and DOCX render in tens of milliseconds; DOC and WPS go through LibreOffice once per
    content (about a second each, less in batches: :func:`prepare_office`) and are cached (see :mod:`sandbox.templates.office`).
    """
    if fmt == "pdf":
        from sandbox.templates.render_pdf import render_pdf

        return render_pdf(content)
    if fmt == "pdf_scan":
        from sandbox.templates.render_pdf import render_pdf_scan

        return render_pdf_scan(content)
    if fmt == "docx":
        from sandbox.templates.render_docx import render_docx

        return render_docx(content)
    if fmt in ("doc", "wps"):
        return office.convert(office_source_html(content), "html", "doc")
    if fmt == "xls":
        from sandbox.templates.render_sheets import render_xls

        return render_xls(content)
    if fmt == "xlsx":
        from sandbox.templates.render_sheets import render_xlsx

        return render_xlsx(content)
    raise ValueError(f"unknown document format {fmt!r}; expected one of {', '.join(FORMATS)}")


def office_source_html(content: ReportContent) -> bytes:
    """The report as a standalone HTML document, the input LibreOffice turns into DOC/WPS.

    HTML rather than our DOCX: LibreOffice imports it several times faster and keeps the merged
    table cells, and a DOC saved from a pasted web page is what many agencies publish anyway."""
    body = report_body_html(content)
    title = html.escape(content.title)
    heading = "" if style_of(content).title_in_body else (
        f'<p align="center" style="text-align:center"><b><span style="font-size:22pt">{title}</span></b></p>'
    )
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>{heading}{body}</body></html>"
    )
    return page.encode("utf-8")


def prepare_office(contents: list[ReportContent]) -> None:
    """Convert many reports to DOC/WPS in one LibreOffice run, filling the cache, so serving
    them later costs nothing (one soffice start per report would take seconds each)."""
    office.convert_many([office_source_html(c) for c in contents], "html", "doc")
