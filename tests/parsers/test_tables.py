"""表二/表三/表四 from grids and flattened text: labels not positions, never a guess."""

from __future__ import annotations

from parsers.formats.base import Table
from parsers.rows import text_rows
from parsers.tables import read_t3, read_t4, read_tables

HEADER = [
    ["(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)"] * 3
    + ["申请人情况"] * 6 + ["总计"],
    ["(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)"] * 3
    + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"],
    ["(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)"] * 3
    + ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
]


def _grid_row(labels: tuple[str, str, str], values: list[str]) -> list[str]:
    return list(labels) + values


def _v2_grid(received: list[str]) -> Table:
    """A span-expanded 2021-template 表三 grid, as an HTML/DOCX reader returns it."""
    r = "三、本年度办理结果"
    rows = list(HEADER)
    rows.append(_grid_row(("一、本年新收政府信息公开申请数量",) * 3, received))
    rows.append(_grid_row(("二、上年结转政府信息公开申请数量",) * 3, ["1", "", "", "", "", "", "1"]))
    rows.append(_grid_row((r, "（一）予以公开", "（一）予以公开"), ["3", "1", "", "", "", "", "4"]))
    rows.append(_grid_row((r, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                           "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"), [""] * 7))
    denied = ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”",
              "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
              "7.属于行政执法案卷", "8.属于行政查询事项"]
    for label in denied:
        rows.append(_grid_row((r, "（三）不予公开", label), [""] * 7))
    for label in ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]:
        cells = ["2", "", "", "", "", "", "2"] if label.startswith("1.") else [""] * 7
        rows.append(_grid_row((r, "（四）无法提供", label), cells))
    for label in ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物",
                  "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息"]:
        rows.append(_grid_row((r, "（五）不予处理", label), [""] * 7))
    rows.append(_grid_row((r, "（六）其他处理",
                           "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"), [""] * 7))
    rows.append(_grid_row((r, "（六）其他处理",
                           "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
                          ["—"] * 7))
    rows.append(_grid_row((r, "（六）其他处理", "3.其他"), ["/"] * 7))
    rows.append(_grid_row((r, "（七）总计", "（七）总计"), ["5", "1", "", "", "", "", "6"]))
    rows.append(_grid_row(("四、结转下年度继续办理",) * 3, ["0", "", "", "", "", "", "0"]))
    # a local row some provinces add: read past, never mapped
    rows.append(_grid_row(("五、申请人提起行政复议数量",) * 3, ["3", "", "", "", "", "", "3"]))
    return Table(rows=rows)


def test_v2_grid_maps_every_row_by_label_with_blanks_and_dashes_as_zero():
    result = read_tables([_v2_grid(["4", "1", "", "", "", "", "5"])], "")
    t3 = result.t3
    assert result.t3_version == "2021"
    assert t3["received"] == {"natural_person": 4, "business": 1, "research": 0, "social_org": 0,
                              "legal_service": 0, "other_org": 0, "total": 5}
    assert t3["carried_in"]["total"] == 1
    assert t3["granted"] == {"natural_person": 3, "business": 1, "research": 0, "social_org": 0,
                             "legal_service": 0, "other_org": 0, "total": 4}
    assert t3["unavailable.not_held"]["natural_person"] == 2
    assert t3["other.no_fee"]["total"] == 0  # "—"
    assert t3["other.other"]["total"] == 0  # "/"
    assert "other" not in t3
    assert t3["result_total"]["total"] == 6
    assert any("五、申请人提起行政复议数量" in w and "ignored" in w for w in result.warnings)


def test_digits_run_together_are_left_null_with_a_warning_not_guessed():
    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "一、本年新收政府信息公开申请数量 2100000021\n"
        "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0\n"
        "四、政府信息公开行政复议、行政诉讼情况\n"
    )
    result = read_tables([], text)
    assert result.t3["received"] == dict.fromkeys(result.t3["received"], None)
    assert result.t3["carried_in"]["total"] == 0
    assert any("received" in w and "1 cells for 7 columns" in w for w in result.warnings)


def test_a_row_of_zeros_with_a_stray_extra_cell_is_not_a_guess_but_other_excess_is():
    rows = [["(七) 总计", "0", "0", "0", "0", "0", "0", "0", "0"],
            ["四、结转下年度继续办理", "1", "0", "0", "0", "0", "0", "1", "0"]]
    t3, warnings = read_t3(rows)
    assert t3["result_total"]["total"] == 0
    assert t3["carried_out"] == dict.fromkeys(t3["carried_out"], None)
    assert any("8 cells for 7 columns" in w and "carried_out" in w for w in warnings)


def test_spaced_labels_and_he_ji_for_zong_ji_in_tab_text():
    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "一、\t本 年 新 收 政府信息公开申请数量\t2\t0\t0\t0\t0\t0\t2\n"
        "三、 本 年 度 办 理 结 果\t(一) 予以公开\t2\t0\t0\t0\t0\t0\t2\n"
        "\t(七) 合计\t2\t0\t0\t0\t0\t0\t2\n"
    )
    t3 = read_tables([], text).t3
    assert t3["received"]["total"] == 2
    assert t3["granted"]["natural_person"] == 2
    assert t3["result_total"]["total"] == 2


def test_pdf_layout_text_with_a_wrapped_label_above_its_numbers():
    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "                  （二）部分公开（区分处理的，只计这一情 形，不\n"
        "                  计其他情形）\n"
        "                                              4    0      0     0   0   0     4\n"
        "                            1.属于国家秘密         1     0      0     0   0   0     1\n"
    )
    t3 = read_tables([], text).t3
    assert t3["partial"]["natural_person"] == 4 and t3["partial"]["total"] == 4
    assert t3["denied.state_secret"]["total"] == 1


def test_cell_per_line_text_keeps_blank_cells_in_place():
    text = "\t一、本年新收政府信息公开申请数量\n\t\n\t3\n\t\n\t\n\t\n\t\n\t3\n\n"
    rows = text_rows(text)
    assert rows == [["一、本年新收政府信息公开申请数量", "", "3", "", "", "", "", "3"]]
    t3, _ = read_t3(rows)
    assert t3["received"] == {"natural_person": 0, "business": 3, "research": 0, "social_org": 0,
                              "legal_service": 0, "other_org": 0, "total": 3}


def test_table_four_from_a_grid_and_from_a_table_split_across_pages():
    header = [["行政复议"] * 5 + ["行政诉讼"] * 10,
              ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] + ["未经复议直接起诉"] * 5
              + ["复议后起诉"] * 5,
              ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3]
    values = [["2", "1", "", "", "3", "0", "0", "0", "1", "1", "", "", "", "", ""]]
    expected = {
        "review": {"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 3},
        "suit_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
        "suit_after_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    }
    assert read_tables([Table(rows=header + values)], "").t4 == expected
    assert read_tables([Table(rows=header), Table(rows=values)], "").t4 == expected


def test_table_four_values_need_the_header_first():
    t4, _ = read_t4([["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
                      "15"]])
    assert t4 is None


def test_table_two_v2_with_unit_in_header():
    text = (
        "二、主动公开政府信息情况\n"
        "第二十条第（一）项\n"
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n"
        "规章\t0\t0\t3\n"
        "行政规范性文件\t2\t1\t\n"
        "第二十条第（八）项\n"
        "信息内容\t本年收费金额（单位：万元）\n"
        "行政事业性收费\t12.5\n"
        "三、收到和处理政府信息公开申请情况\n"
    )
    result = read_tables([], text)
    assert result.t2_version == "2021"
    assert result.t2["rules"] == {"issued": 0, "repealed": 0, "in_force": 3}
    assert result.t2["normative"] == {"issued": 2, "repealed": 1, "in_force": 0}
    assert result.t2["fees"] == {"amount": 125000.0}


def test_pre_2019_local_statistics_table_best_effort():
    """The 2008–2018 统计表 (统计指标 | 单位 | 统计数): one number per row, meanings mapped."""
    grid = Table(rows=[
        ["统计指标", "单位", "统计数"],
        ["二、依申请公开情况", "", ""],
        ["（一）收到申请数", "件", "12"],
        ["1.当面申请数", "件", "2"],
        ["（二）申请办结数", "件", "11"],
        ["1.按时办结数", "件", "11"],
        ["2.同意公开答复数", "件", "8"],
        ["3.同意部分公开答复数", "件", "1"],
        ["4.不同意公开答复数", "件", "2"],
        ["8.告知通过其他途径办理数", "件", ""],
    ])
    result = read_tables([grid], "")
    assert result.t3_version == "2008"
    assert result.t3 == {
        "received": {"total": 12}, "result_total": {"total": 11}, "granted": {"total": 8},
        "partial": {"total": 1}, "denied": {"total": 2},  # every refusal together
    }


def test_thousands_separators_and_an_unnumbered_total_row():
    rows = [["一、本年新收政府信息公开申请数量", "1,024", "0", "0", "0", "0", "0", "1,024"],
            ["三、本年度办理结果", "总计", "1,024", "0", "0", "0", "0", "0", "1,024"]]
    t3, warnings = read_t3(rows)
    assert t3["received"]["natural_person"] == 1024
    assert t3["result_total"]["total"] == 1024
    assert warnings == []
