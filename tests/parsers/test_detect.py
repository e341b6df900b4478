"""Reports versus their look-alikes in the same column."""

from __future__ import annotations

import pytest

from parsers.formats.base import ExtractedDocument
from parsers.report import classify_title, parse_extracted


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
