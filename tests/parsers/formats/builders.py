"""Build small documents of every format in the tests, with a known 表三 fragment inside.

Each builder draws the same merged-cell table (a header cell spanning rows and columns, a label
spanning columns, numbers) so every format's grid can be checked against one expectation.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

# (text, rowspan, colspan) per row, the layout real 表三 headers use
T3_ROWS: list[list[tuple[str, int, int]]] = [
    [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 2, 2), ("申请人情况", 1, 3)],
    [("自然人", 1, 1), ("法人或其他组织", 1, 1), ("总计", 1, 1)],
    [("一、本年新收政府信息公开申请数量", 1, 2), ("17", 1, 1), ("3", 1, 1), ("20", 1, 1)],
    [("二、上年结转政府信息公开申请数量", 1, 2), ("2", 1, 1), ("0", 1, 1), ("2", 1, 1)],
    [("三、本年度办理结果", 2, 1), ("（一）予以公开", 1, 1), ("11", 1, 1), ("1", 1, 1), ("12", 1, 1)],
    [("（二）部分公开", 1, 1), ("6", 1, 1), ("2", 1, 1), ("8", 1, 1)],
]
# the same table span-expanded: what every reader must return
T3_GRID = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] * 2 + ["申请人情况"] * 3,
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] * 2 + ["自然人", "法人或其他组织", "总计"],
    ["一、本年新收政府信息公开申请数量"] * 2 + ["17", "3", "20"],
    ["二、上年结转政府信息公开申请数量"] * 2 + ["2", "0", "2"],
    ["三、本年度办理结果", "（一）予以公开", "11", "1", "12"],
    ["三、本年度办理结果", "（二）部分公开", "6", "2", "8"],
]
T3_SPANS = {(0, 0, 2, 2), (0, 2, 1, 3), (2, 0, 1, 2), (3, 0, 1, 2), (4, 0, 2, 1)}
CAPTION = "三、收到和处理政府信息公开申请情况"
INTRO = "2023年，本机关主动公开政府信息125条，收到政府信息公开申请20件。"
SIGNATURE_DATE = "2024年1月18日"

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def positions() -> list[tuple[int, int, int, int, str]]:
    """T3_ROWS as absolute (row, col, rowspan, colspan, text), via the HTML table model."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(T3_ROWS):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, rs, cs, text))
            taken.update((r + i, c + j) for i in range(rs) for j in range(cs))
            c += cs
    return out


def html_page(charset: str = "utf-8", declare: str = "meta") -> bytes:
    """A portal article page with chrome, a 目录 box, an info bar, the table and attachments."""
    rows = "".join(
        "<tr>" + "".join(
            f'<td rowspan="{rs}" colspan="{cs}"><p><span>{t}</span></p></td>' for t, rs, cs in row
        ) + "</tr>"
        for row in T3_ROWS
    )
    meta_charset = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if declare == "meta" else ""
    page = f"""<!DOCTYPE html><html><head>{meta_charset}
<title>测试县民政局2023年政府信息公开工作年度报告_测试县人民政府</title>
<meta name="ArticleTitle" content="测试县民政局2023年政府信息公开工作年度报告">
<meta name="PubDate" content="2024-01-20 09:30"><meta name="ContentSource" content="测试县民政局">
<meta name="SiteIDCode" content="1234560001"><meta name="ColumnName" content="政府信息公开年报">
<script>var x = "<p>不应出现的脚本文字</p>";</script><style>p {{ color: red }}</style></head>
<body><div class="top-nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/bsfw/">办事服务</a>
<a href="/hdjl/">互动交流</a><a href="/zjxx/">走进测试</a></div>
<div class="wrapper"><div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="../">年报</a></div>
<table class="xxgk-info"><tr><td>索&nbsp;引&nbsp;号：</td><td>11360000MB0000000X/2024-00031</td>
<td>发布机构：</td><td>测试县民政局</td></tr><tr><td>发文日期：</td><td>2024-01-19</td><td>文　　号：</td><td></td></tr></table>
<div class="article"><h1>测试县民政局2023年政府信息公开工作年度报告</h1>
<div class="info">发布时间：2024-01-20 09:30&nbsp;&nbsp;&nbsp;来源：测试县民政局&nbsp;&nbsp;浏览次数：<span>12</span></div>
<div class="TRS_Editor"><p>&nbsp;&nbsp;本报告依据《中华人民共和国政府信息公开条例》编制。</p>
<p>一、总体情况</p><p>{INTRO}这是一段足够长的正文，用来模拟报告正文的篇幅，让正文明显多于页面其余部分的文字。</p>
<p>{CAPTION}</p><table border="1" cellspacing="0"><tbody>{rows}</tbody></table>
<p>附件：<a href="files/P020240120.pdf">测试县民政局2023年年报.pdf</a></p>
<p align="right">测试县民政局</p><p align="right">{SIGNATURE_DATE}</p></div></div></div>
<div class="footer">主办单位：测试县人民政府办公室　地址：测试路1号　网站标识码：1234560001　ICP备00000000号</div>
<div class="attach"><a href="/module/download/downfile.jsp?classid=0&amp;filename=a.doc">附件下载</a></div>
</body></html>"""
    return page.encode(charset)


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(FONT), subfontIndex=0))
    return "WQY"


def pdf_report(pages_of_filler: int = 0) -> bytes:
    """A text PDF: title, prose, the ruled table with spans, a signature date."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    font = _register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    data = [["" for _ in range(5)] for _ in T3_ROWS]
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), font),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for r, c, rs, cs, text in positions():
        data[r][c] = Paragraph(text, cell)
        if rs > 1 or cs > 1:
            style.append(("SPAN", (c, r), (c + cs - 1, r + rs - 1)))
    story = [Paragraph("测试县民政局2023年政府信息公开工作年度报告", body), Spacer(1, 8),
             Paragraph(INTRO, body), Paragraph(CAPTION, body),
             RLTable(data, colWidths=[90, 110, 70, 80, 60], style=TableStyle(style)),
             Spacer(1, 12), Paragraph("测试县民政局", body), Paragraph(SIGNATURE_DATE, body)]
    for _ in range(pages_of_filler):
        story.extend([PageBreak(), Paragraph("附页", body)])
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title="测试县民政局2023年政府信息公开工作年度报告").build(story)
    return buf.getvalue()


def pdf_pages(n: int) -> bytes:
    """A PDF of ``n`` small pages drawn directly on the canvas (fast even for thousands)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(200, 200))
    for i in range(n):
        c.drawString(20, 100, f"page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def image_only_pdf() -> bytes:
    """A 'scanned' report: one page holding only a raster image."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(img).rectangle((20, 20, 380, 180), outline="black")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(400, 200))
    c.drawImage(ImageReader(img), 0, 0, 400, 200)
    c.showPage()
    c.save()
    return buf.getvalue()


def docx_report() -> bytes:
    """A DOCX with prose, the merged-cell table and a signature date (python-docx)."""
    import docx

    document = docx.Document()
    document.core_properties.title = "测试县民政局2023年政府信息公开工作年度报告"
    document.add_heading("测试县民政局2023年政府信息公开工作年度报告", level=1)
    document.add_paragraph(INTRO)
    document.add_paragraph(CAPTION)
    table = document.add_table(rows=len(T3_ROWS), cols=5)
    for r, c, rs, cs, text in positions():
        origin = table.cell(r, c)
        if rs > 1 or cs > 1:
            origin = origin.merge(table.cell(r + rs - 1, c + cs - 1))
        origin.text = text
    document.add_paragraph("测试县民政局")
    document.add_paragraph(SIGNATURE_DATE)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx_book() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表三"
    for r, c, rs, cs, text in positions():
        ws.cell(row=r + 1, column=c + 1, value=int(text) if text.isdigit() else text)
        if rs > 1 or cs > 1:
            ws.merge_cells(start_row=r + 1, start_column=c + 1, end_row=r + rs, end_column=c + cs)
    wb.create_sheet("说明").cell(row=1, column=1, value="本表由测试县民政局填报")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_book() -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("表三")
    for r, c, rs, cs, text in positions():
        value = float(text) if text.isdigit() else text
        if rs > 1 or cs > 1:
            ws.write_merge(r, r + rs - 1, c, c + cs - 1, value)
        else:
            ws.write(r, c, value)
    wb.add_sheet("说明").write(0, 0, "本表由测试县民政局填报")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


OFD_NS = "http://www.ofdspec.org/2016"


def ofd_document(lines: list[str], doctype: str = "") -> bytes:
    """A minimal OFD package: OFD.xml → Document.xml → two pages of TextObjects."""
    half = max(1, len(lines) // 2)
    pages = [lines[:half], lines[half:]]

    def content(page_lines: list[str]) -> str:
        objs = "".join(
            f'<ofd:TextObject ID="{i + 10}" Boundary="20 {30 + 10 * i} 160 8" Font="1" Size="5">'
            f'<ofd:TextCode X="0" Y="5">{t}</ofd:TextCode></ofd:TextObject>'
            for i, t in enumerate(page_lines)
        )
        return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<ofd:Page xmlns:ofd="{OFD_NS}">'
                f"<ofd:Content><ofd:Layer ID=\"2\">{objs}</ofd:Layer></ofd:Content></ofd:Page>")

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" '
                    'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID>'
                    "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        zf.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document '
                    f'xmlns:ofd="{OFD_NS}"><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
                    '<ofd:Page ID="2" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>')
        # stored in reverse order so the reader must follow Document.xml, not the zip order
        zf.writestr("Doc_0/Pages/Page_1/Content.xml", content(pages[1]))
        zf.writestr("Doc_0/Pages/Page_0/Content.xml", content(pages[0]))
    return buf.getvalue()


def pdf_long_table(rows: int = 80) -> bytes:
    """A ruled table that breaks across pages, its header row repeated on each page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, TableStyle
    from reportlab.platypus import Table as RLTable

    font = _register_font()
    data = [["序号", "事项", "数量"]] + [[str(i), f"事项{i}", str(i * 3)] for i in range(1, rows + 1)]
    table = RLTable(data, colWidths=[60, 200, 80], repeatRows=1,
                    style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                      ("FONTNAME", (0, 0), (-1, -1), font)]))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build([table])
    return buf.getvalue()
