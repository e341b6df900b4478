"""PDF renderings of a report: a text PDF as WPS/Word export it, and an image-only scan.

The text PDF embeds a subset of WenQuanYi Zen Hei (Debian's fonts-wqy-zenhei) so the text layer
carries real Unicode CJK text, falls back to reportlab's built-in ``STSong-Light`` CID font
when that file is missing, draws tables with merged cells (reportlab platypus) and, per
report, ruling lines on every cell, a 三线表's three rules, or none (see ``Style.pdf_rules``), stacks the long 三、本年度办理结果 label vertically as exports do, and numbers pages
"- n -". ``invariant=1`` makes the bytes reproducible.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sandbox.content import ReportContent
from sandbox.templates.layout import Grid, grid_for, table_slots
from sandbox.templates.style import signature_lines, style_of

WQY_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
_MARGIN = 2.4 * cm
_CELL_SIZE = 8


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register and name the CJK font: the embedded TrueType font when installed, else the
    standard CID font every PDF reader knows (text still extracts, but nothing is embedded)."""
    if WQY_FONT.exists():
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("WenQuanYiZenHei", str(WQY_FONT), subfontIndex=0))
        return "WenQuanYiZenHei"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    base = dict(fontName=font, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontSize=18, leading=28, alignment=TA_CENTER, spaceAfter=14, **base),
        "heading": ParagraphStyle("heading", fontSize=13, leading=22, spaceBefore=6, **base),
        "body": ParagraphStyle("body", fontSize=11.5, leading=20, firstLineIndent=23, **base),
        "sign": ParagraphStyle("sign", fontSize=11.5, leading=20, alignment=TA_RIGHT, **base),
        "cell": ParagraphStyle("cell", fontSize=8, leading=10, alignment=TA_CENTER, **base),
        "cell_left": ParagraphStyle("cell_left", fontSize=8, leading=10, alignment=TA_LEFT, **base),
    }


def _rules(grid: Grid, rules: str) -> list[tuple]:
    """Border commands: every cell ruled, a 三线表 (above and below the header, below the
    table), or none."""
    if rules == "none":
        return []
    if rules == "three_line":
        header_rows = min((c.row for c in grid.cells() if c.kind == "value"), default=1)
        return [("LINEABOVE", (0, 0), (-1, 0), 1.0, colors.black),
                ("LINEBELOW", (0, max(header_rows - 1, 0)), (-1, max(header_rows - 1, 0)), 0.5,
                 colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 1.0, colors.black)]
    return [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]


def _table(grid: Grid, width: float, rules: str = "grid") -> Table:
    """A table with merged cells, ruled as ``rules`` says (see :func:`_rules`). Cells that fit
    on one line are plain strings (drawn by the table itself, several times cheaper than a
    Paragraph); longer ones wrap as Paragraphs."""
    styles = _styles()
    font = cjk_font()
    unit = width / sum(grid.widths)
    col_widths = [w * unit for w in grid.widths]
    data: list[list[object]] = [["" for _ in range(grid.ncols)] for _ in range(grid.nrows)]
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), font, _CELL_SIZE, _CELL_SIZE + 2),
        *_rules(grid, rules),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for cell in grid.cells():
        room = sum(col_widths[cell.col : cell.col + cell.colspan]) - 4
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(
                ("SPAN", (cell.col, cell.row), (cell.col + cell.colspan - 1, cell.row + cell.rowspan - 1))
            )
        if not cell.text:
            continue
        if cell.kind == "label" and cell.rowspan >= 10 and len(cell.text) <= 12:
            data[cell.row][cell.col] = "\n".join(cell.text)  # vertical label, one character per line
        elif pdfmetrics.stringWidth(cell.text, font, _CELL_SIZE) <= room:
            data[cell.row][cell.col] = cell.text
            if cell.kind == "label":
                commands.append(("ALIGN", (cell.col, cell.row), (cell.col, cell.row), "LEFT"))
        else:
            style = styles["cell_left"] if cell.kind == "label" else styles["cell"]
            data[cell.row][cell.col] = Paragraph(escape(cell.text), style)
    return Table(data, colWidths=col_widths, style=TableStyle(commands))


def _page_number(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback signature
    canvas.saveState()
    canvas.setFont(cjk_font(), 10)
    canvas.drawCentredString(A4[0] / 2, 1.3 * cm, f"- {doc.page} -")
    canvas.restoreState()


def render_pdf(content: ReportContent) -> bytes:
    """A text PDF of the whole report: title, sections, ruled tables, signature."""
    styles = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=content.title,
        author=content.agency_name,
        creator="WPS 文字",
        invariant=1,
    )
    width = A4[0] - 2 * _MARGIN
    story: list[object] = [Paragraph(escape(content.title), styles["title"])]
    slots = table_slots(content)
    table_style = style_of(content).table
    rules = style_of(content).pdf_rules
    for i, (heading, body) in enumerate(content.sections):
        if heading:
            story.append(Paragraph(escape(heading), styles["heading"]))
        for para in body.split("\n"):
            if para.strip():
                story.append(Paragraph(escape(para.strip()), styles["body"]))
        for name in slots.get(i, []):
            story.append(Spacer(1, 4))
            story.append(_table(grid_for(name, content, table_style), width, rules))
            story.append(Spacer(1, 8))
    if content.signature or content.signature_date:
        story.append(Spacer(1, 20))
        story.extend(Paragraph(escape(line), styles["sign"]) for line in signature_lines(content))
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()


def render_pdf_scan(content: ReportContent, dpi: int = 100) -> bytes:
    """An image-only PDF (图片版): the text PDF printed, scanned slightly askew in grey, and
    wrapped one JPEG per page, with no text layer at all."""
    import pypdfium2
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    source = pypdfium2.PdfDocument(render_pdf(content))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    canvas.setTitle(content.title)
    try:
        for index in range(len(source)):
            page = source[index]
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            angle = ((hash_int(content.title) + index) % 7 - 3) * 0.15  # a fraction of a degree
            image = image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
            jpeg = io.BytesIO()
            image.save(jpeg, format="JPEG", quality=70)
            jpeg.seek(0)
            canvas.drawImage(ImageReader(jpeg), 0, 0, width=A4[0], height=A4[1])
            canvas.showPage()
    finally:
        source.close()
    canvas.save()
    return out.getvalue()


def hash_int(text: str) -> int:
    """A stable small integer from text (Python's hash() is salted per process)."""
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")
