"""Discovery on the page shapes of each CMS family (DOMAIN.md §5)."""

from __future__ import annotations

from parsel import Selector

from crawler import discovery as d

TRS_LIST = """<html><head><title>政府信息公开年报_某市人民政府</title></head><body>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xwzx/index.html">新闻中心</a></li></ul>
<ul class="list">
<li><a href="./202303/t20230317_5000030.html" title="某市2022年政府信息公开工作年度报告">某市2022年政府信息公开工作年度报告</a></li>
<li><a href="./202411/t20241121_5000134.html">《某市2023年政府信息公开工作年度报告》解读</a></li>
<li><a href="./202201/t20220105_5000001.html">关于召开全市安全生产会议的情况通报和有关事项说明</a></li>
<li><a href="./202201/P020220105123.pdf">附件</a></li>
</ul>
<div class="page"><script>function createPageHTML(a,b,c,d){}
createPageHTML(4, 0, "index", "html");</script></div></body></html>"""

HANWEB_LIST = """<html><head><title>民政局_某区人民政府</title></head><body>
<ul class="list" id="col1127_list"></ul>
<script type="text/javascript">
(function(){
  var box = document.getElementById("col1127_list");
  var perpage = 15;
  function load(start){
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/module/web/jpage/dataproxy.jsp?startrecord=" + start + "&endrecord=" + (start + perpage * 3 - 1) +
             "&perpage=" + perpage + "&columnid=1127&unitid=3382&webid=1&appid=1", false);
    xhr.send(null);
  }
  load(1);
})();
</script></body></html>"""

HANWEB_XML = """<?xml version="1.0" encoding="UTF-8"?><datastore><nextgroup><![CDATA[]]></nextgroup>
<totalrecord>50</totalrecord><totalpage>4</totalpage><recordset>
<record><![CDATA[<li><a href="/art/2024/3/1/art_1127_7000001.html" title="某区民政局2023年政府信息公开工作年度报告">某区民政局2023年政府信息公开工作年度报告</a></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/3/1/art_1127_7000002.html" title="x">某区民政局2022年政府信息公开工作年度报告</a></li>]]></record>
</recordset></datastore>"""


def test_trs_list_links_kinds_and_create_page_html():
    url = "http://www.a.test/zwgk/xxgknb/zf/index.html"
    sel = Selector(text=TRS_LIST)
    kinds = {link.url.rsplit("/", 1)[-1]: link.kind for link in d.links(url, sel)}
    assert kinds["t20230317_5000030.html"] == "report"
    assert kinds["t20241121_5000134.html"] == "report"  # look-alike: fetched, marked later
    assert kinds["t20220105_5000001.html"] == "article"  # news: skipped outside report columns
    assert kinds["P020220105123.pdf"] == "attachment"
    assert kinds["index.html"] == "nav"
    pages = d.create_page_urls(url, TRS_LIST)
    assert pages == [f"http://www.a.test/zwgk/xxgknb/zf/{n}" for n in
                     ("index.html", "index_1.html", "index_2.html", "index_3.html")]
    info = d.page_info(url, sel)
    assert info.title == "政府信息公开年报" and info.is_report_column and not info.is_article


def test_hanweb_endpoint_found_in_concatenated_script_and_paged():
    url = "http://www.b.test/col/col1127/index.html"
    (ep,) = d.script_endpoints(url, Selector(text=HANWEB_LIST))
    assert ep.url.startswith("http://www.b.test/module/web/jpage/dataproxy.jsp?")
    assert (ep.start_key, ep.end_key, ep.perpage_key, ep.perpage) == ("startrecord", "endrecord", "perpage", 15)
    first, method, _ = d.endpoint_request(ep, 0)
    second, _, _ = d.endpoint_request(ep, 1)
    assert method == "GET"
    assert "columnid=1127" in first and "unitid=3382" in first
    assert "startrecord=1&endrecord=45" in first and "startrecord=46&endrecord=90" in second
    assert d.endpoint_total(HANWEB_XML) == 50
    found = d.endpoint_links(first, HANWEB_XML)
    assert [link.url for link in found] == ["http://www.b.test/art/2024/3/1/art_1127_7000001.html",
                                            "http://www.b.test/art/2023/3/1/art_1127_7000002.html"]
    assert all(link.kind == "report" for link in found)
    assert d.has_script_list(Selector(text=HANWEB_LIST))


def test_json_endpoint_links_and_total():
    body = '{"total": 3, "data": [{"title": "2021年度政府信息公开工作报告", "url": "/a/1.html"}, {"title": "x", "url": "/f/2.pdf"}]}'
    found = {link.url: link.kind for link in d.endpoint_links("http://c.test/api/list.json", body)}
    assert found == {"http://c.test/a/1.html": "report", "http://c.test/f/2.pdf": "attachment"}
    assert d.endpoint_total(body) == 3


def test_index_n_pages_from_the_pager_window():
    html = ('<div class="page"><a href="index_1.html">2</a><a href="index_2.html">3</a>'
            '<a href="index_9.html">尾页</a><a href="index_1.html">下一页</a></div>')
    urls = d.index_n_urls("http://a.test/col/index.html", html, Selector(text=html))
    assert urls == [f"http://a.test/col/index_{i}.html" for i in range(1, 10)]
    static = '<a href="list_2.htm">下一页</a>'
    assert d.index_n_urls("http://a.test/xxgk/ndbg/index.htm", static, Selector(text=static)) == [
        "http://a.test/xxgk/ndbg/list_2.htm"]


def test_report_titles_and_look_alikes():
    f = d.classify_title
    assert f("某市民政局2023年政府信息公开工作年度报告") == "annual_report"
    assert f("某市2019年度政府信息公开工作报告") == "annual_report"
    assert f("某县2020年政务公开年报") == "annual_report"
    assert f("《某市2023年政府信息公开工作年度报告》解读") == "interpretation"
    assert f("一图读懂某市2022年政府信息公开工作年度报告") == "interpretation"
    assert f("关于做好2023年政府信息公开工作年度报告编制和发布工作的通知") == "notice"
    assert f("全市安全生产工作会议召开") == "other"
    assert f("某某有限公司2023年企业年度报告公示") == "other"  # a company's filing


def test_title_rule_is_the_crawlers_own():
    """ARCHITECTURE.md: the crawler imports only archive and catalog.registry. Its title rule
    must work (and be what runs) without the parsers package."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(d))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m.split(".")[0] == "parsers"}


def test_every_sandbox_title_wording_is_classified():
    """Every wording the sandbox gives reports, look-alikes, news and policies (the real-portal
    variants it models: 年 or 年度, 工作 missing, year first, 关于…的报告, stray spaces)."""
    import random

    from sandbox.content import make_title
    from sandbox.universe import Universe

    for i in range(300):
        rng = random.Random(i)
        name, region = rng.choice([("吴忠市民政局", "吴忠市"), ("利通区人民政府", "利通区"),
                                   ("高闸镇人民政府", "高闸镇")])
        title = make_title(rng, name, region, rng.randint(2010, 2025))
        assert d.classify_title(title) == "annual_report", title
    expected = {"interpretation": "interpretation", "notice": "notice", "news": "other",
                "policy": "other", "mirror": "annual_report"}
    extras = list(Universe(1, "small").extras.values())
    assert {e.kind for e in extras} == set(expected)
    wrong = [(e.kind, e.title) for e in extras if d.classify_title(e.title) != expected[e.kind]]
    assert wrong == []


def test_page_info_prefers_meta_and_strips_site_suffix():
    html = ('<html><head><meta name="ArticleTitle" content="某局2022年政府信息公开工作年度报告">'
            '<meta name="ColumnType" content="信息公开年报"><title>x_某市</title></head>'
            '<body><div class="header"><h1><a href="/">某市人民政府</a></h1></div></body></html>')
    info = d.page_info("http://a.test/art/2023/1/1/art_1_2.html", Selector(text=html))
    assert info.title == "某局2022年政府信息公开工作年度报告"
    assert info.kind == "annual_report" and info.is_article and not info.is_report_column
    plain = "<html><head><title>某局2021年政府信息公开工作年度报告_某市人民政府</title></head><body></body></html>"
    assert d.page_info("http://a.test/info/1/2.htm", Selector(text=plain)).title == \
        "某局2021年政府信息公开工作年度报告"


def test_url_shape_masks_digits():
    assert d.url_shape("http://a.test/rili/2021-01.html") == d.url_shape("http://a.test/rili/2021-02.html")
    assert d.url_shape("http://a.test/rili/2021-01.html") != d.url_shape("http://a.test/news/1.html")
