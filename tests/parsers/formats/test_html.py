"""HTML pages: charsets, the content area without chrome, tables, meta, fields, dates, links."""

from __future__ import annotations

import pytest

from parsers.formats import extract

from .builders import CAPTION, INTRO, SIGNATURE_DATE, T3_GRID, T3_SPANS, html_page

URL = "http://www.ceshi.test/art/2024/1/20/art_1_2.html"


@pytest.mark.parametrize("charset", ["utf-8", "gbk", "gb2312", "gb18030"])
def test_page_in_each_chinese_charset_reads_the_same(charset):
    doc = extract(html_page(charset), url=URL)
    assert doc.format == "html"
    assert INTRO in doc.text
    assert doc.tables[0].rows == T3_GRID
    assert doc.charset in ("utf-8", "gb18030")


def test_gbk_page_without_any_declaration_is_detected():
    doc = extract(html_page("gbk", declare="none"), url=URL)
    assert INTRO in doc.text
    assert any("detected" in w for w in doc.warnings)


def test_http_header_charset_wins_and_a_wrong_header_falls_back_to_meta():
    page = html_page("gbk")
    assert extract(page, url=URL, content_type="text/html; charset=GBK").warnings == []
    doc = extract(page, url=URL, content_type="text/html; charset=utf-8")
    assert INTRO in doc.text
    assert any("does not decode" in w for w in doc.warnings)


def test_bom_decides_when_no_header():
    page = b"\xef\xbb\xbf" + html_page("utf-8", declare="none")
    doc = extract(page, url=URL)
    assert INTRO in doc.text and doc.text.startswith("测试县民政局")


def test_content_area_leaves_site_chrome_and_scripts_out():
    doc = extract(html_page(), url=URL)
    for chrome in ("首页", "办事服务", "当前位置", "网站标识码", "ICP备", "不应出现的脚本文字", "color: red"):
        assert chrome not in doc.text
    assert doc.text.index("一、总体情况") < doc.text.index(CAPTION) < doc.text.index(SIGNATURE_DATE)


def test_table_spans_are_expanded_and_cell_paragraphs_joined():
    doc = extract(html_page(), url=URL)
    (table,) = doc.tables
    assert table.rows == T3_GRID
    assert set(table.spans) == T3_SPANS
    assert table.caption == CAPTION
    # the table is in the text, in place, as tab-separated lines, each merged label once
    assert "一、本年新收政府信息公开申请数量\t\t17\t3\t20" in doc.text


def test_br_inside_a_cell_and_nbsp_do_not_leak():
    page = ("<html><body><div><p>正文很长很长很长很长很长很长很长很长很长很长很长很长。</p><table>"
            "<tr><td>1.属于<br>国家秘密</td><td>&nbsp;</td></tr><tr><td>合&nbsp;计</td><td>3</td></tr>"
            "</table></div></body></html>").encode()
    table = extract(page).tables[0]
    assert table.rows == [["1.属于国家秘密", ""], ["合 计", "3"]]


def test_meta_tags_keep_their_names():
    meta = extract(html_page(), url=URL).html_meta
    assert meta["ArticleTitle"] == "测试县民政局2023年政府信息公开工作年度报告"
    assert meta["PubDate"] == "2024-01-20 09:30"
    assert meta["SiteIDCode"] == "1234560001"
    assert meta["ColumnName"] == "政府信息公开年报"


def test_directory_box_and_info_bar_fields():
    fields = extract(html_page(), url=URL).fields
    assert fields["索引号"] == "11360000MB0000000X/2024-00031"
    assert fields["发布机构"] == "测试县民政局"
    assert fields["发文日期"] == "2024-01-19"
    assert fields["发布时间"] == "2024-01-20 09:30"
    assert fields["来源"] == "测试县民政局"
    assert "文号" not in fields  # an empty value is no field


def test_dates_are_collected_with_where_they_were_seen():
    dates = extract(html_page(), url=URL).dates
    assert ("meta", "PubDate=2024-01-20 09:30") in dates
    assert ("page", "发布时间：2024-01-20 09:30") in dates
    assert ("text_end", SIGNATURE_DATE) in dates


def test_links_are_absolute_and_attachments_outside_the_article_are_kept():
    links = dict(extract(html_page(), url=URL).links)
    assert links["http://www.ceshi.test/art/2024/1/20/files/P020240120.pdf"] == "测试县民政局2023年年报.pdf"
    assert "http://www.ceshi.test/module/download/downfile.jsp?classid=0&filename=a.doc" in links
    assert "http://www.ceshi.test/zwgk/" not in links  # navigation is not an article link


def test_title_is_the_article_heading():
    assert extract(html_page(), url=URL).title == "测试县民政局2023年政府信息公开工作年度报告"


def test_layout_tables_are_walked_not_turned_into_grids():
    page = ("<html><body><table><tr><td><a href='/'>首页</a></td></tr><tr><td>"
            f"<p>{INTRO}很长的正文内容。</p><table><tr><td>甲</td><td>1</td></tr><tr><td>乙</td><td>2</td></tr></table>"
            "</td></tr></table></body></html>").encode()
    doc = extract(page)
    assert [t.rows for t in doc.tables] == [[["甲", "1"], ["乙", "2"]]]
    assert INTRO in doc.text


def test_hostile_spans_are_clamped_not_exploded():
    page = ('<html><body><p>正文</p><table><tr><td rowspan="99999999" colspan="99999999">x</td><td>1</td></tr>'
            "<tr><td>2</td></tr></table></body></html>").encode()
    doc = extract(page)
    for t in doc.tables:
        assert len(t.rows) <= 2 and all(len(r) <= 1001 for r in t.rows)


def test_statistics_period_in_the_first_sentence_is_not_a_page_date():
    page = ("<html><head><title>t</title></head><body><div class='article'>"
            "<div class='info'>发布时间：2022-01-18</div><p>本报告中所列数据统计期限从2021年1月1日到12月31日止，"
            "由本机关编制。</p><p>" + "正文" * 80 + "</p></div></body></html>").encode()
    dates = extract(page).dates
    assert ("page", "发布时间：2022-01-18") in dates
    assert not any("2021年1月1日" in raw for _, raw in dates)
