"""Titles, agencies (government versus its office), years and template eras."""

from __future__ import annotations

from parsers.formats.base import ExtractedDocument
from parsers.metadata import strip_site_suffix, template_era
from parsers.report import parse_extracted


def test_site_suffixes_are_stripped_from_page_titles():
    assert strip_site_suffix("吴忠市民政局2020年政府信息公开工作年度报告_吴忠市人民政府") == \
        "吴忠市民政局2020年政府信息公开工作年度报告"
    assert strip_site_suffix("2023年政府信息公开工作年度报告 - 洪泽区政府网") == \
        "2023年政府信息公开工作年度报告"


def _parse(text: str, **kw) -> dict:
    return parse_extracted(ExtractedDocument(format="html", text=text, **kw))


def test_government_own_report_versus_its_office():
    gov = _parse("利通区2020年政府信息公开工作年度报告\n本报告由利通区人民政府办公室编制。")
    assert gov["agency"] == "利通区人民政府"
    office = _parse("利通区人民政府办公室2020年政府信息公开工作年度报告\n正文")
    assert office["agency"] == "利通区人民政府办公室"


def test_agency_from_meta_and_signature_when_the_title_has_none():
    by_meta = _parse("2023年政府信息公开工作年度报告\n正文",
                     html_meta={"ContentSource": "聊城市民政局"})
    assert (by_meta["agency"], by_meta["region_code"]) == ("聊城市民政局", "371500")
    by_signature = _parse("2023年政府信息公开工作年度报告\n正文……\n\n吴忠民政局\n2024年1月10日")
    assert by_signature["agency"] == "吴忠市民政局"  # the dropped 市 restored
    assert by_signature["agency_source"] == "signature"


def test_bare_city_department_completed_with_its_region():
    result = _parse("市民政局2021年政府信息公开工作年度报告\n正文",
                    html_meta={"SiteIDCode": "3715000001"})
    assert result["agency"] == "聊城市民政局"
    assert result["region_code"] == "371500"


def test_year_from_chinese_numerals_and_never_from_the_url():
    chinese = _parse("某某县民政局二〇二二年政府信息公开工作年度报告\n正文")
    assert chinese["year"] == 2022
    undated = parse_extracted(ExtractedDocument(format="html", text="政府信息公开工作年度报告\n正文"),
                              url="http://x.gov.test/art/2021/1/5/art_1_2.html")
    assert undated["year"] is None


def test_title_split_over_two_lines_is_rejoined():
    result = _parse("- 1 -\n\n吴忠市民政局 2017年政府信息公开\n工作年度报告\n\n根据……")
    assert result["title"] == "吴忠市民政局2017年政府信息公开工作年度报告"


def test_template_era_from_year_and_table_shapes():
    assert template_era(2017, None, None) == "2008"
    assert template_era(2020, None, None) == "2019"
    assert template_era(2022, None, None) == "2021"
    assert template_era(2022, "2019", None) == "2019"  # a 2022 report on the old form
    assert template_era(2021, None, "2019") == "2021"  # one 其他处理 row proves nothing
    assert template_era(None, None, "2021") == "2021"


def test_a_section_heading_is_never_taken_for_the_title():
    result = parse_extracted(ExtractedDocument(
        format="html", title="总体情况",
        text="按照区政府统一部署，现将2020年度政府信息公开工作汇报如下。\n总体情况\n正文"))
    assert result["title"] != "总体情况"


def test_a_gbk_portal_page_end_to_end():
    from parsers.report import parse_document

    page = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
        "<meta name='SiteIDCode' content='6403020001'>"
        "<meta name='ArticleTitle' content='2021年政府信息公开工作年度报告'>"
        "<meta name='PubDate' content='2022-01-26 10:00'>"
        "<meta name='ContentSource' content='利通区民政局'>"
        "<title>2021年政府信息公开工作年度报告_利通区人民政府</title></head><body>"
        "<div class='content'><p>一、总体情况</p><p>2021年，我局……</p></div></body></html>"
    ).encode("gb18030")
    result = parse_document(page, url="http://www.litong.gov.test/col/202201/t20220126_9.html")
    assert result["title"] == "2021年政府信息公开工作年度报告"
    assert (result["agency"], result["agency_source"]) == ("利通区民政局", "meta")
    assert result["region_code"] == "640302"
    assert result["year"] == 2021
    assert (result["published"], result["published_source"]) == ("2022-01-26", "meta_pubdate")
    assert result["kind"] == "annual_report"
