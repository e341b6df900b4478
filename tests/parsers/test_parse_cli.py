"""`nianbao parse FILE` as a user runs it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nianbao.cli import main


def test_parse_json_of_the_real_pdf(real_pdf):
    result = CliRunner().invoke(main, ["parse", str(real_pdf)])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed["agency"] == "淮安市洪泽区人民政府"
    assert parsed["tables"]["t3"]["received"]["total"] == 21
    assert parsed["checks"]["T4-A"]["ok"] is False


def test_parse_table_summary_shows_metadata_grid_and_checks(tmp_path):
    page = tmp_path / "report.html"
    rows = "".join(
        f"<tr><td>{label}</td>" + "<td>0</td>" * 7 + "</tr>"
        for label in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量")
    )
    page.write_text(
        "<html><head><meta charset='utf-8'><meta name='ArticleTitle' "
        "content='聊城市民政局2021年政府信息公开工作年度报告'></head><body><div>"
        "<h1>聊城市民政局2021年政府信息公开工作年度报告</h1><p>三、收到和处理政府信息公开申请情况</p>"
        f"<table>{rows}</table></div></body></html>", encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(page), "--format", "table",
                                       "--url", "http://x.gov.test/202202/t20220120_1.html"])
    assert result.exit_code == 0, result.output
    assert "聊城市民政局" in result.output
    assert "371500" in result.output
    assert "2022-01-20" in result.output  # the URL date, the only evidence here
    assert "表三" in result.output and "T3-A" in result.output


def test_parse_of_a_missing_file_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["parse", str(tmp_path / "nope.pdf")])
    assert result.exit_code != 0
    assert "nope.pdf" in result.output
