"""The spider's decisions on single pages, without a network: when to render, what to follow."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from catalog.registry import Agency
from crawler.spiders.portal import PortalSpider

SHELL = b'<html><head><script src="/app.js"></script></head><body><div id="app"></div></body></html>'
LIST = ("<html><head><title>政府信息公开年报_某市</title></head><body>"
        '<ul><li><a href="/nb/202301/t20230110_1.html">某市2022年政府信息公开工作年度报告</a></li>'
        '<li><a href="/news/202301/t20230111_2.html">全市安全生产工作会议召开并部署下一阶段工作</a></li>'
        '<li><a href="http://www.mirror.test/doc/1.html">政务公开文库</a></li>'
        '<li><a href="http://cdn.other.test/f/a.pdf">附件：2022年年度报告.pdf</a></li></ul>'
        "</body></html>").encode()


def spider(render: str = "auto") -> PortalSpider:
    agency = Agency("a", "某市人民政府", "130400", "city", "government", "http://www.a.test/", None, render)
    crawler = get_crawler(PortalSpider, {"NIANBAO_RENDER": render})
    s = PortalSpider.from_crawler(crawler, agencies=[agency])
    s._setup()
    return s


def response(url: str, body: bytes) -> HtmlResponse:
    nb = {"agency": "a", "depth": 0, "hops": 0, "role": "seed", "via": "", "seed": url,
          "in_column": False, "list": url}
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url, meta={"nb": nb}))


def requests(out) -> list[Request]:
    return [r for r in out if isinstance(r, Request)]


def test_a_js_shell_is_rendered_in_auto_mode_only():
    reqs = requests(spider("auto").parse(response("http://www.a.test/", SHELL)))
    assert [r.meta.get("playwright") for r in reqs] == [True]
    assert reqs[0].url == "http://www.a.test/" and reqs[0].dont_filter
    assert requests(spider("never").parse(response("http://www.a.test/", SHELL))) == []


def test_follows_reports_and_their_attachments_not_mirrors():
    s = spider("never")
    out = list(s.parse(response("http://www.a.test/nb/index.html", LIST)))
    urls = {r.url: r.meta["nb"]["role"] for r in requests(out)}
    assert urls["http://www.a.test/nb/202301/t20230110_1.html"] == "report"
    assert urls["http://cdn.other.test/f/a.pdf"] == "attachment"  # one hop off-site: in scope
    # inside a report column every entry is followed (odd titles included), marked by kind later
    assert urls["http://www.a.test/news/202301/t20230111_2.html"] == "report"
    assert "http://www.mirror.test/doc/1.html" not in urls
    (item,) = [i for i in out if isinstance(i, dict)]
    assert item["report_column"] and item["class"] == "ok"
    assert s.crawler.stats.get_stats()["nianbao/out_of_scope/a/offsite"] == 1


def test_outside_report_columns_news_articles_are_skipped():
    s = spider("never")
    news = LIST.replace("政府信息公开年报".encode(), "新闻中心".encode())
    urls = {r.url for r in requests(s.parse(response("http://www.a.test/xwzx/index.html", news)))}
    assert "http://www.a.test/nb/202301/t20230110_1.html" in urls
    assert "http://www.a.test/news/202301/t20230111_2.html" not in urls
    assert s.crawler.stats.get_stats()["nianbao/skipped_articles"] == 1


def test_year_views_of_a_list_are_skipped_when_the_list_itself_has_reports():
    s = spider("never")
    years = "".join(f'<a href="/module/xxgk/xxgkAnnualReport.jsp?area=1&amp;fbtime={y}">{y}</a>'
                    for y in (2019, 2020))
    with_list = LIST.replace(b"</body>", years.encode() + b"</body>")
    urls = {r.url for r in requests(s.parse(response("http://www.a.test/nb/index.html", with_list)))}
    assert not any("fbtime" in u for u in urls)
    alone = f"<html><body><h2>年报查询</h2>{years}</body></html>".encode()
    urls = {r.url for r in requests(s.parse(response("http://www.a.test/xxgk/q.html", alone)))}
    assert sum("fbtime" in u for u in urls) == 2  # the only way to the reports: followed


def test_regex_list_settings_survive_being_passed_as_strings():
    from scrapy.settings import Settings

    from crawler.spiders.portal import regex_list

    as_json = Settings({"X": '["a{1,3}", "/zwgk/"]'})
    assert regex_list(as_json, "X") == ["a{1,3}", "/zwgk/"]  # not split at the comma
    assert regex_list(Settings({"X": ["b", "c"]}), "X") == ["b", "c"]
    assert regex_list(Settings({"X": "b,c"}), "X") == ["b", "c"]
