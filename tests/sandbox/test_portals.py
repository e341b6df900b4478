"""Every CMS family is reachable from its home page, the way a crawler has to find it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.etree
import pytest

from tests.sandbox.http_helpers import Answer, follow, get, links

NB_NAMES = ("政府信息公开年报", "政府信息公开工作年度报告", "信息公开年报", "年度报告")


def _portal(sb, family: str, multi_body: bool = True):
    for p in sb.universe.portals.values():
        if p.family == family and bool(p.body_columns()) == multi_body:
            return p
    raise AssertionError(f"no {family} portal")


def _body_column_url(sb, portal) -> str:
    """Home → 政府信息公开 → the annual-report column → the body with most reports."""
    home = f"http://{portal.host}/"
    xxgk = follow(sb.proxy_url, home, "政府信息公开")
    nb = follow(sb.proxy_url, xxgk, *NB_NAMES)
    ans = get(sb.proxy_url, nb)
    bodies = {a.name: a for a in sb.universe.agencies.values() if a.host == portal.host}
    subs = [(h, t) for h, t in links(ans, nb) if t in bodies and urlsplit(h).path != "/"]
    assert subs, f"no sub-columns on {nb}"
    counts = {}
    for href, text in subs:
        counts[href] = sum(1 for r in sb.universe.reports_of(bodies[text].id) if r.visible(sb.as_of))
    return max(counts, key=counts.get)


def _report_links(ans: Answer, base: str, pattern: str) -> list[str]:
    return [h for h, _ in links(ans, base) if re.search(pattern, h)]


def test_trs_lists_paginate_only_by_createPageHTML(sandbox_small):
    sb = sandbox_small
    col = _body_column_url(sb, _portal(sb, "trs"))
    first = get(sb.proxy_url, col)
    m = re.search(r'createPageHTML\((\d+), 0, "index", "html"\)', first.text())
    assert m and int(m.group(1)) >= 2, "expected a paginated TRS list"
    assert "下一页</a>" not in first.text().split("<script")[0]
    found = _report_links(first, col, r"/\d{6}/t\d{8}_\d+\.html$")
    second = get(sb.proxy_url, col.replace("index.html", "index_1.html"))
    assert second.status == 200
    found += _report_links(second, col, r"/\d{6}/t\d{8}_\d+\.html$")
    assert found and all(get(sb.proxy_url, u).status == 200 for u in found[:3])
    last = int(m.group(1))
    assert get(sb.proxy_url, col.replace("index.html", f"index_{last}.html")).status == 404


def test_hanweb_lists_are_filled_from_the_data_endpoint(sandbox_small):
    sb = sandbox_small
    portal = _portal(sb, "hanweb")
    col = _body_column_url(sb, portal)
    shell = get(sb.proxy_url, col)
    assert not _report_links(shell, col, r"/art/\d{4}/\d{1,2}/\d{1,2}/art_"), "items must come from script"
    colid = re.search(r"/col/col(\d+)/", col).group(1)
    assert f"columnid={colid}" in shell.text() and "dataproxy.jsp" in shell.text()
    data = get(sb.proxy_url, f"http://{portal.host}/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=3&perpage=3&columnid={colid}")
    root = lxml.etree.fromstring(data.body)
    total = int(root.findtext("totalrecord"))
    records = root.findall("recordset/record")
    assert total > 3 and len(records) == 3
    href = re.search(r'href="([^"]+)"', records[0].text).group(1)
    assert re.fullmatch(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html", href)
    assert get(sb.proxy_url, f"http://{portal.host}{href}").status == 200
    rest = get(sb.proxy_url, f"http://{portal.host}/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=45&perpage=15&columnid={colid}")
    assert len(lxml.etree.fromstring(rest.body).findall("recordset/record")) == total - 3


def test_hanweb_annual_view_uses_publication_year(sandbox_small):
    sb = sandbox_small
    portal = _portal(sb, "hanweb")
    r = next(r for r in sb.universe.reports.values()
             if r.host == portal.host and r.visible(sb.as_of) and r.published.year == r.year + 1)
    area = sb.universe.agencies[r.agency_id].uscc
    base = f"http://{portal.host}/module/xxgk/xxgkAnnualReport.jsp?area={area}&fbtime="
    assert r.page_path in get(sb.proxy_url, base + str(r.year + 1)).text()
    assert r.page_path not in get(sb.proxy_url, base + str(r.year)).text()


def test_hanweb_attachments_go_through_downfile(sandbox_small):
    sb = sandbox_small
    portal = _portal(sb, "hanweb")
    r = next(r for r in sb.universe.reports.values()
             if r.host == portal.host and r.visible(sb.as_of) and r.attachments and r.attachments[0] in ("pdf", "docx"))
    assert r.attachment_paths[0].startswith("/module/download/downfile.jsp?classid=0&filename=")
    ans = get(sb.proxy_url, f"http://{portal.host}{r.attachment_paths[0]}")
    assert ans.status == 200 and "attachment" in ans.headers["content-disposition"]
    assert ans.body[:4] in (b"%PDF", b"PK\x03\x04")


@pytest.mark.parametrize(("family", "next_page", "article"), [
    ("gd", "index_2.html", r"/content/post_\d+\.html$"),
    ("static", "list_2.htm", r"/info/\d+/\d+\.htm$"),
])
def test_plain_paginated_families(sandbox_small, family, next_page, article):
    sb = sandbox_small
    col = _body_column_url(sb, _portal(sb, family))
    first = get(sb.proxy_url, col)
    nxt = [h for h, t in links(first, col) if t == "下一页"]
    assert nxt and nxt[0].endswith(next_page)
    found = _report_links(first, col, article) + _report_links(get(sb.proxy_url, nxt[0]), col, article)
    assert found and all(get(sb.proxy_url, u).status == 200 for u in found[:3])


def test_gbk_portal_declares_and_uses_gbk(sandbox_small):
    sb = sandbox_small
    portal = next(p for p in sb.universe.portals.values() if p.encoding == "gbk")
    ans = get(sb.proxy_url, f"http://{portal.host}/")
    assert "charset=GBK" in ans.headers["content-type"]
    assert b'charset=gb2312' in ans.body
    with pytest.raises(UnicodeDecodeError):
        ans.body.decode("utf-8")
    assert portal.site_name in ans.body.decode("gbk")


def test_robots_txt_disallows_paths_that_pages_link_to(sandbox_small):
    sb = sandbox_small
    portal = _portal(sb, "gd")
    robots = get(sb.proxy_url, f"http://{portal.host}/robots.txt").text()
    assert "Disallow: /search/" in robots
    home = f"http://{portal.host}/"
    search = [h for h, _ in links(get(sb.proxy_url, home), home) if "/search/" in h]
    assert search
    sb.reset_log()
    assert get(sb.proxy_url, search[0]).status == 200
    assert sb.state()[0]["robots_disallowed"] is True


def test_calendar_trap_never_ends(sandbox_small):
    sb = sandbox_small
    url = follow(sb.proxy_url, f"http://{_portal(sb, 'trs').host}/", "活动日历")
    for _ in range(5):
        url = follow(sb.proxy_url, url, "下个月")
    assert re.search(r"/rili/2021-06\.html$", url)
    assert get(sb.proxy_url, url.replace("2021-06", "2999-12")).status == 200


def test_article_meta_tags_follow_the_development_guide(sandbox_small):
    sb = sandbox_small
    row = next(r for r in sb.truth() if r["visible_as_of"] and r["date_evidence"] == "meta"
               and r["outcome"] == "on_time")
    html = get(sb.proxy_url, row["page_url"]).text()
    assert f'<meta name="PubDate" content="{row["published_date"]} ' in html
    assert '<meta name="ColumnType" content="信息公开年报">' in html
    assert re.search(r'<meta name="SiteIDCode" content="\d{10}">', html)
    none = next(r for r in sb.truth() if r["visible_as_of"] and r["date_evidence"] == "none")
    html = get(sb.proxy_url, none["page_url"]).text()
    assert "PubDate" not in html and none["published_date"] not in html


def test_county_portal_hosts_townships_and_lookalikes(sandbox_small):
    sb = sandbox_small
    county = next(p for p in sb.universe.portals.values() if p.region.level == "county" and p.body_columns())
    names = [c.name for c in county.body_columns()]
    assert any(n.endswith(("镇人民政府", "乡人民政府", "街道办事处")) for n in names)
    kinds = {e.kind for e in sb.universe.extras.values()}
    assert {"interpretation", "notice", "news", "policy", "mirror"} <= kinds


def test_mirror_is_linked_and_copies_reports(sandbox_small):
    sb = sandbox_small
    linking = next(p for p in sb.universe.portals.values() if p.links_mirror)
    home = f"http://{linking.host}/"
    mirror_home = follow(sb.proxy_url, home, "政务公开文库")
    assert urlsplit(mirror_home).hostname.endswith(".test")
    docs = [h for h, _ in links(get(sb.proxy_url, mirror_home), mirror_home) if "/doc/" in h]
    assert docs and get(sb.proxy_url, docs[0]).status == 200
