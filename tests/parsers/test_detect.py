"""Reports versus their look-alikes in the same column."""

from __future__ import annotations

import pytest

from parsers.formats.base import ExtractedDocument
from parsers.report import classify_title, parse_document, parse_extracted


@pytest.mark.parametrize("title", [
    "吴忠市民政局2020年政府信息公开工作年度报告",
    "秀洲区民政局2020年度政府信息公开工作年度报告",
    "2023年度政府信息公开工作报告",
    "洪泽区 2023 年政府信息公开年度报告",
    "聊城市人民政府关于2021年度政府信息公开工作的报告",
    "XX县2019年政府信息公开年报",
    "吴忠市民政局2020年政府信息公开工作年度报告_吴忠市人民政府",
])
def test_report_titles(title):
    assert classify_title(title) == "annual_report"


@pytest.mark.parametrize("title,kind", [
    ("《吴忠市民政局2020年政府信息公开工作年度报告》解读", "interpretation"),
    ("图解：2023年政府信息公开工作年度报告", "interpretation"),
    ("一图读懂洪泽区2023年政府信息公开年报", "interpretation"),
    ("关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知", "notice"),
    ("关于报送2022年政府信息公开工作年度报告的通知", "notice"),
    ("市政府办公室关于2021年度政府信息公开工作年度报告检查情况的通报", "notice"),
    ("2023年企业年度报告公示", "other"),
    ("吴忠市民政局2020年工作总结", "other"),
    ("", "other"),
])
def test_look_alikes_are_not_reports(title, kind):
    assert classify_title(title) == kind


def test_an_interpretation_quoting_the_report_numbers_is_still_not_a_report():
    text = ("《利通区2020年政府信息公开工作年度报告》解读\n"
            "一、总体情况\n2020年收到申请1件。\n二、主动公开政府信息情况\n")
    doc = ExtractedDocument(format="html", text=text,
                            html_meta={"ArticleTitle": "《利通区2020年政府信息公开工作年度报告》解读"})
    result = parse_extracted(doc)
    assert result["kind"] == "interpretation"
    assert result["is_report"] is False


def test_a_report_with_a_generic_title_is_recognised_by_its_body():
    text = "\n".join(["公开信息", "一、总体情况", "……", "二、主动公开政府信息情况", "……",
                      "三、收到和处理政府信息公开申请情况", "……",
                      "四、政府信息公开行政复议、行政诉讼情况", "……",
                      "五、存在的主要问题及改进情况", "六、其他需要报告的事项"])
    result = parse_extracted(ExtractedDocument(format="html", text=text, title="公开信息"))
    assert result["kind"] == "annual_report"
    assert result["sections"] == ["一", "二", "三", "四", "五", "六"]


def test_a_news_page_is_other():
    result = parse_extracted(ExtractedDocument(
        format="html", text="市民政局召开2024年工作会议\n会议强调……", title="市民政局召开工作会议"))
    assert result["kind"] == "other" and result["is_report"] is False
    assert result["checks"] == {}


# -- list pages of a report column are never reports ------------------------------------------

def _page(title: str, body: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{title}_测试县人民政府</title></head><body>"
            "<div class='nav'><a href='/'>首页</a><a href='/xxgk/'>政务公开</a></div>"
            f"<div class='main'><h2>{title}</h2>{body}</div>"
            "<div class='footer'>主办：测试县人民政府办公室 网站标识码：3209260001</div>"
            "</body></html>").encode()


LIST_ENTRIES = "".join(
    f"<li><a href='/xxgk/ndbg/2024{n:02d}/t20240{n}20_{100 + n}.html'>{name}{year}年政府信息公开工作年度报告"
    f"</a><span>{year + 1}-01-{20 + n}</span></li>"
    for n, (name, year) in enumerate([("测试县民政局", 2023), ("测试县财政局", 2023),
                                      ("测试县民政局", 2022)], start=1))


@pytest.mark.parametrize("body", [
    # a list of reports with dates and a pager
    f"<ul>{LIST_ENTRIES}</ul><div class='page'>共3页 <a href='index_1.html'>下一页</a></div>",
    # a hub: one sub-column per body (agency names, no report titles)
    "<ul>" + "".join(f"<li><a href='/col/col{n}/index.html'>{name}</a></li>" for n, name in
                     enumerate(["测试县人民政府", "测试县人民政府办公室", "测试县民政局",
                                "测试县财政局"], start=1120)) + "</ul>",
    # a list of one entry: the report's title only as a link
    "<ul><li><a href='/info/1033/123.htm'>测试县民政局2023年政府信息公开工作年度报告</a>"
    "<span>2024-01-20</span></li></ul>",
], ids=["reports", "hub", "one_entry"])
def test_list_pages_of_a_report_column_are_other(body):
    for title in ("政府信息公开年报", "政府信息公开工作年度报告", ""):
        result = parse_document(_page(title, body), url="http://www.ceshi.test/xxgk/ndbg/index.html")
        assert (result["kind"], result["is_report"]) == ("other", False), (title, result["title"])


def test_a_report_page_with_attachments_pager_and_related_links_is_still_a_report():
    title = "测试县民政局2023年政府信息公开工作年度报告"
    body = (f"<p>《{title}》已编制完成，现予以公开，详见附件。</p>"
            f"<p>附件：<a href='/uploadfile/2024/1231.pdf'>{title}.pdf</a></p>"
            f"<p><a href='/uploadfile/2024/1232.xls'>{title}（统计表）.xls</a></p>"
            "<div class='page'><span>1</span> <a href='123_2.htm'>2</a> <a href='123_2.htm'>下一页</a></div>"
            "<p>相关阅读：<a href='/info/1033/99.htm'>测试县民政局2022年政府信息公开工作年度报告</a></p>")
    result = parse_document(_page(title, body), url="http://www.ceshi.test/info/1033/123.htm")
    assert (result["kind"], result["is_report"]) == ("annual_report", True)


def test_every_list_page_of_the_sandbox_is_other(sandbox_small):
    from sandbox.portals import family_for

    opener = sandbox_small.opener()
    seen = 0
    for host, portal in sandbox_small.universe.portals.items():
        family = family_for(portal.family)
        for column in portal.columns.values():
            url = f"http://{host}{family.column_path(portal, column)}"
            try:
                with opener.open(url, timeout=30) as resp:
                    data, headers = resp.read(), dict(resp.headers.items())
            except OSError:
                continue
            seen += 1
            result = parse_document(data, url=url, headers=headers)
            assert result["kind"] == "other", (url, result["title"])
    assert seen > 20
