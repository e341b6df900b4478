"""PDF: ruled tables to grids, reading-order text, metadata, the real 洪泽区 report, scans."""

from __future__ import annotations

import pytest

from parsers.formats import Limits, extract

from .builders import CAPTION, INTRO, SIGNATURE_DATE, T3_GRID, T3_SPANS, image_only_pdf, pdf_report


@pytest.fixture(scope="module")
def built():
    return extract(pdf_report(), filename="report.pdf")


def test_drawn_table_becomes_the_expanded_grid(built):
    assert built.format == "pdf"
    (table,) = built.tables
    assert table.rows == T3_GRID
    assert set(table.spans) == T3_SPANS
    assert table.page == 1
    assert table.caption == CAPTION


def test_text_in_reading_order_with_the_table_in_place(built):
    text = built.text
    assert INTRO in text
    assert text.index(INTRO) < text.index("一、本年新收政府信息公开申请数量\t\t17\t3\t20") < text.index(SIGNATURE_DATE)
    assert ("text_end", SIGNATURE_DATE) in built.dates


def test_metadata_title_and_dates(built):
    assert built.title == "测试县民政局2023年政府信息公开工作年度报告"
    assert built.pages == 1
    assert any(where == "doc_meta" and raw.startswith("CreationDate=") for where, raw in built.dates)
    assert not built.needs_ocr


@pytest.fixture(scope="module")
def hongze(real_pdf):
    return extract(real_pdf.read_bytes(), filename=real_pdf.name)


def _table_with(doc, label):
    return next(t for t in doc.tables if any(label in cell for row in t.rows for cell in row))


def test_real_report_table_three_is_a_clean_grid_across_the_page_break(hongze):
    t3 = _table_with(hongze, "本年新收政府信息公开申请数量")
    assert t3.page == 3
    rows = {row[2]: row[3:] for row in t3.rows}
    assert rows["一、本年新收政府信息公开申请数量"] == ["21", "0", "0", "0", "0", "0", "21"]
    assert rows["（二）部分公开（区分处理的，只计这一情 形，不计其他情形）"][0] == "4"
    assert rows["1.本机关不掌握相关政府信息"] == ["10", "0", "0", "0", "0", "0", "10"]
    assert rows["2.没有现成信息需要另行制作"][6] == "3"
    # rows from page 4 continue the same table
    assert rows["1.信访举报投诉类申请"] == ["1", "0", "0", "0", "0", "0", "1"]
    assert [r for r in t3.rows if "（七）总计" in r][0][3:] == ["21", "0", "0", "0", "0", "0", "21"]
    assert t3.rows[-1][0] == "四、结转下年度继续办理"
    assert all(len(r) == 10 for r in t3.rows)
    assert t3.rows[2][3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def test_real_report_table_four_has_fifteen_numbers(hongze):
    t4 = _table_with(hongze, "行政复议")
    assert t4.rows[-1] == ["10", "1", "0", "0", "0", "0", "0", "0", "0", "0", "5", "0", "0", "0", "0"]
    assert t4.rows[2][10:] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert t4.caption == "四、政府信息公开行政复议、行政诉讼情况"


def test_real_report_table_two_parts_and_prose(hongze):
    t2 = _table_with(hongze, "行政规范性文件")
    assert t2.rows == [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                       ["规章", "0", "0", "0"], ["行政规范性文件", "0", "5", "5"]]
    assert _table_with(hongze, "行政事业性收费").rows[-1] == ["行政事业性收费", "7730.28"]
    # prose from inside the page frames is text, with wrapped lines joined, page numbers gone
    assert "我区在政府网站平台主动公开政府信息 1136 条。" in hongze.text
    assert "-3-" not in hongze.text
    assert hongze.title == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert hongze.pages == 5


def test_image_only_pdf_needs_ocr():
    doc = extract(image_only_pdf(), filename="scan.pdf")
    assert doc.format == "pdf" and doc.needs_ocr
    assert doc.text == "" and any("OCR" in w for w in doc.warnings)


def test_page_cap_reads_only_the_first_pages():
    doc = extract(pdf_report(pages_of_filler=3), filename="r.pdf", limits=Limits(max_pages=2))
    assert doc.pages == 4
    assert any("only the first 2" in w for w in doc.warnings)
    assert doc.tables[0].rows == T3_GRID


def test_in_process_and_isolated_reading_agree(built):
    doc = extract(pdf_report(), filename="report.pdf", limits=Limits(isolate="never"))
    assert doc.text == built.text and [t.rows for t in doc.tables] == [t.rows for t in built.tables]


@pytest.mark.parametrize("degrees", [90, 270])
def test_rotated_pages_read_like_upright_ones(degrees):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_report())))
    for page in writer.pages:
        page.rotate(degrees)
    buf = io.BytesIO()
    writer.write(buf)
    doc = extract(buf.getvalue(), filename="rotated.pdf")
    assert [t.rows for t in doc.tables] == [T3_GRID]
    assert INTRO in doc.text


def test_table_across_pages_is_one_table_without_repeated_headers():
    from .builders import pdf_long_table

    doc = extract(pdf_long_table(80), filename="long.pdf")
    assert doc.pages >= 2
    (table,) = doc.tables
    assert table.rows[0] == ["序号", "事项", "数量"]
    assert table.rows[1:] == [[str(i), f"事项{i}", str(i * 3)] for i in range(1, 81)]


def _t4_across_a_page_break(space: float) -> bytes:
    """表四 drawn as the sandbox draws it (blank cells for 0), pushed down by ``space`` points
    so the page ends after its header rows and the value row opens the next page."""
    import dataclasses
    import io
    import random

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from sandbox.content import make_report_content
    from sandbox.templates.layout import TableStyle, t4_grid
    from sandbox.templates.render_pdf import _table

    content = make_report_content(random.Random(3), agency_name="测试县民政局", region_name="测试县",
                                  year=2023, template="2021")
    t4 = {g: dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0)
          for g in ("review", "suit_direct", "suit_after_review")}
    t4["suit_direct"].update(upheld=2, total=2)
    content = dataclasses.replace(content, t4=t4)
    margin = 68.0
    grid = t4_grid(content, TableStyle(blank_zero=True))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                      bottomMargin=margin).build([Spacer(1, space), _table(grid, A4[0] - 2 * margin)])
    return buf.getvalue()


def test_table_continued_on_the_next_page_by_a_row_of_mostly_blank_cells():
    """The value row of 表四 alone on the next page, 2 of its 15 cells filled: the row still
    lines up with the header's 15 columns (blank columns are dropped only after joining)."""
    import pypdfium2

    from parsers.report import parse_document

    for space in range(600, 700, 4):  # find the spacing that splits header and values
        data = _t4_across_a_page_break(space)
        pdf = pypdfium2.PdfDocument(data)
        texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        if len(texts) == 2 and "结果" in texts[0] and "结果" not in texts[1]:
            break
    else:
        pytest.fail("no spacing put the page break between 表四's header and its values")
    result = parse_document(data, url="http://www.ceshi.test/uploadfile/2024/t4.pdf")
    zeros = dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0)
    assert result["tables"]["t4"] == {"review": zeros, "suit_after_review": zeros,
                                      "suit_direct": {**zeros, "upheld": 2, "total": 2}}


def _report_pdf_with_rules(rules: str, blank_zero: bool = False):
    """A sandbox report whose tables are drawn with ``rules`` borders (grid, three_line, none)."""
    import dataclasses
    import io
    import random

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from sandbox.content import make_report_content
    from sandbox.templates.layout import TableStyle, t3_grid, t4_grid
    from sandbox.templates.render_pdf import _table

    content = make_report_content(random.Random(11), agency_name="测试县民政局", region_name="测试县",
                                  year=2022, template="2021")
    t4 = {g: dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0)
          for g in ("review", "suit_direct", "suit_after_review")}
    t4["review"].update(upheld=1, corrected=2, total=3)
    t4["suit_after_review"].update(pending=1, total=1)
    content = dataclasses.replace(content, t4=t4)
    style = TableStyle(blank_zero=blank_zero)
    margin = 68.0
    width = A4[0] - 2 * margin
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                      bottomMargin=margin).build(
        [_table(t3_grid(content, style), width, rules), _table(t4_grid(content, style), width, rules)])
    return content, buf.getvalue()


@pytest.mark.parametrize("rules", ["three_line", "none"])
def test_tables_without_cell_borders_are_read_from_word_positions(rules):
    """No vertical rules: columns come from where the header words stand, each number goes
    under its header, wrapped labels and the group labels beside them stay with their row."""
    from parsers.report import parse_document

    content, data = _report_pdf_with_rules(rules)
    doc = extract(data, filename="report.pdf")
    assert len(doc.tables) == 2, doc.text[:500]
    assert all(len({len(r) for r in t.rows}) == 1 for t in doc.tables), "rectangular grids"
    result = parse_document(data, url="http://www.ceshi.test/uploadfile/2023/report.pdf")
    assert result["tables"]["t3"] == {k: dict(v) for k, v in content.t3.items()}
    assert result["tables"]["t4"] == {k: dict(v) for k, v in content.t4.items()}
    assert not [w for w in result["warnings"] if w.startswith(("表三", "表四"))], result["warnings"]


def test_borderless_table_with_blank_zeros_is_left_to_the_text_reader_not_guessed():
    """Blank cells with no borders: a label without numbers may be a row of zeros or part of
    a wrapped label; positions cannot tell, so such rows are null with a warning, never 0."""
    from parsers.report import parse_document

    content, data = _report_pdf_with_rules("none", blank_zero=True)
    t3 = parse_document(data, url="http://www.ceshi.test/r.pdf")["tables"]["t3"] or {}
    for row, cells in content.t3.items():
        got = t3.get(row) or {}
        for column, value in cells.items():
            assert got.get(column) in (value, None), (row, column, got.get(column), value)


def test_last_row_alone_on_the_next_page_with_a_label_spanning_the_label_columns():
    """四、结转下年度继续办理 (blank cells: zeros) alone at the top of the next page: its label
    spans the three label columns, so the continuation draws fewer column lines than the
    table it continues; it is still joined, onto the full grid."""
    import dataclasses
    import io
    import random

    import pypdfium2
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from parsers.report import parse_document
    from sandbox.content import make_report_content
    from sandbox.templates.layout import TableStyle, t3_grid
    from sandbox.templates.render_pdf import _table

    content = make_report_content(random.Random(5), agency_name="测试县民政局", region_name="测试县",
                                  year=2022, template="2021")
    content = dataclasses.replace(content, t3={**content.t3, "carried_out": dict.fromkeys(
        content.t3["carried_out"], 0)})
    margin = 68.0
    for space in range(0, 400, 3):
        buf = io.BytesIO()
        SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin,
                          topMargin=margin, bottomMargin=margin).build(
            [Spacer(1, space), _table(t3_grid(content, TableStyle(blank_zero=True)),
                                      A4[0] - 2 * margin)])
        pdf = pypdfium2.PdfDocument(buf.getvalue())
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        if len(pages) == 2 and "结转下年度" in pages[1] and "总计" not in pages[1]:
            break
    else:
        pytest.fail("no spacing put 四、结转下年度继续办理 alone on the second page")
    result = parse_document(buf.getvalue(), url="http://www.ceshi.test/uploadfile/2023/t3.pdf")
    assert result["tables"]["t3"] == {k: dict(v) for k, v in content.t3.items()}
    assert not [w for w in result["warnings"] if w.startswith("表三")], result["warnings"]
