"""Publication-date evidence: strongest source first, every candidate kept, lies rejected."""

from __future__ import annotations

from parsers.dates import choose, collect_candidates, parse_dates
from parsers.formats.base import ExtractedDocument
from parsers.report import parse_extracted


def test_chinese_numeral_signature_date():
    text = "……全年未收取信息处理费。\n\n吴忠市民政局\n二〇二四年一月十五日\n"
    best = choose(collect_candidates(text=text, year=2023))
    assert best.date == "2024-01-15"
    assert best.source == "signature"
    assert "二〇二四年一月十五日" in best.snippet


def test_mixed_numerals_and_spaces():
    assert [d.isoformat() for d, _ in parse_dates("2018年 3月 26日；二0二一年十二月三十一日")] == \
        ["2018-03-26", "2021-12-31"]


def test_meta_beats_page_beats_signature_beats_url():
    text = "报告正文\n\n某某局\n2024年1月20日"
    url = "http://www.x.gov.test/col/202402/t20240205_123.html"
    candidates = collect_candidates(
        text=text, html_meta={"PubDate": "2024-01-25 09:30"}, fields={"发布日期": "2024-01-22"},
        url=url, headers={"Last-Modified": "Tue, 06 Feb 2024 08:00:00 GMT"}, year=2023)
    assert [(c.source, c.date) for c in candidates] == [
        ("meta_pubdate", "2024-01-25"), ("page_date", "2024-01-22"), ("signature", "2024-01-20"),
        ("url", "2024-02-05"), ("http_last_modified", "2024-02-06")]
    assert choose(candidates).source == "meta_pubdate"


def test_url_dates_rank_last_but_one_and_are_used_only_without_better_evidence():
    url = "http://www.x.gov.test/art/2024/3/2/art_1229_5.html"
    result = parse_extracted(ExtractedDocument(
        format="html", text="某某局2023年政府信息公开工作年度报告\n正文"), url=url,
        headers={"Last-Modified": "Tue, 05 Mar 2024 08:00:00 GMT"})
    assert result["published"] == "2024-03-02"
    assert result["published_source"] == "url"
    sources = [c["source"] for c in result["published_candidates"]]
    assert sources == ["url", "http_last_modified"]


def test_impossible_dates_are_kept_but_rejected():
    # a re-uploaded page: the URL says 2012, the report is about 2022; the meta tag was copied
    result = parse_extracted(ExtractedDocument(
        format="html", text="某某局2022年政府信息公开工作年度报告\n统计期限自2022年1月1日至2022年12月31日",
        html_meta={"PubDate": "2022-06-01 10:00"}),
        url="http://www.x.gov.test/col/201203/t20120301_1.html")
    assert result["published"] is None
    assert all(c.get("rejected") for c in result["published_candidates"])
    assert {c["source"] for c in result["published_candidates"]} == {"meta_pubdate", "text", "url"}


def test_month_precision_url_folder():
    candidates = collect_candidates(text="", url="http://a.gov.test/xxgk/202401/abc.html", year=2023)
    assert [(c.date, c.precision) for c in candidates] == [("2024-01-01", "month")]
