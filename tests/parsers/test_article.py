"""A report a CMS cut into pages (``123.htm``, ``123_2.htm``) parses as one whole report."""

from __future__ import annotations

import dataclasses
import datetime
import random
from html import escape

import pytest

from parsers.article import continuation_urls
from parsers.formats import extract
from parsers.report import parse_article, parse_document
from sandbox.content import make_report_content
from sandbox.documents import report_body_pages


@pytest.fixture(scope="module")
def content():
    made = make_report_content(random.Random(7), agency_name="测试县民政局", region_name="测试县",
                               year=2023, template="2021")
    return dataclasses.replace(made, signature_date=datetime.date(2024, 1, 22))


def _pages(content, urls: list[str], *, pager: str = "all") -> list[bytes]:
    """The article's pages as a portal serves them: title and meta tags on every page, one
    part of the body each, and a pager (every page number, or only 下一页)."""
    bodies = report_body_pages(content, len(urls))
    assert len(bodies) == len(urls)
    out = []
    for n, body in enumerate(bodies):
        if pager == "all":
            links = " ".join(f'<a href="{u}">{i + 1}</a>' if i != n else f"<span>{i + 1}</span>"
                             for i, u in enumerate(urls))
        else:
            links = ""
        if n + 1 < len(urls):
            links += f' <a href="{urls[n + 1]}">下一页</a>'
        out.append(
            "<html><head><meta charset='utf-8'>"
            f"<title>{escape(content.title)}_测试县人民政府</title>"
            f'<meta name="ArticleTitle" content="{escape(content.title)}">'
            '<meta name="ContentSource" content="测试县民政局">'
            '<meta name="SiteIDCode" content="3209260001"></head><body>'
            "<div class='nav'><a href='/'>首页</a> <a href='/xxgk/'>政务公开</a></div>"
            f"<h1 class='title'>{escape(content.title)}</h1>"
            f"<div class='article-content'>{body}</div>"
            f"<div class='page'>{links}</div>"
            # other articles of the column: never pages of this one
            "<div class='prev-next'><a href='/info/1033/120.htm'>上一篇：关于公布权责清单的通知</a>"
            "<a href='/info/1033/1230.htm'>下一篇：测试县2022年政府信息公开工作年度报告</a></div>"
            "</body></html>".encode()
        )
    return out


def _follow(first_url: str, fetch) -> list[tuple[bytes, str]]:
    """Fetch an article's pages as a crawler would: continuation links of each page read."""
    pages = [(fetch(first_url), first_url)]
    queue = continuation_urls(extract(pages[0][0], url=first_url), first_url)
    seen = {first_url}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        data = fetch(url)
        pages.append((data, url))
        queue += [u for u in continuation_urls(extract(data, url=url), url, first_url)
                  if u not in seen and u not in queue]
    return pages


@pytest.mark.parametrize("pager", ["all", "next_only"])
def test_a_report_in_three_pages_parses_whole(content, pager):
    urls = [f"http://www.ceshi.test/info/1033/123{s}.htm" for s in ("", "_2", "_3")]
    served = dict(zip(urls, _pages(content, urls, pager=pager), strict=True))
    pages = _follow(urls[0], served.__getitem__)
    assert [u for _, u in pages] == urls

    whole = parse_article(pages)
    assert whole["pages"] == urls
    assert whole["is_report"] and whole["year"] == 2023 and whole["agency"] == "测试县民政局"
    assert whole["sections"] == ["一", "二", "三", "四", "五", "六"]
    assert whole["tables"]["t3"] == {k: dict(v) for k, v in content.t3.items()}
    assert whole["tables"]["t4"] == {k: dict(v) for k, v in content.t4.items()}
    for rule in ("T3-A", "T3-B", "T3-C", "T4-A"):
        assert whole["checks"][rule]["ok"] is not None, rule
    # the signature date is on the last page only
    assert (whole["published"], whole["published_source"]) == ("2024-01-22", "signature")

    # page by page, no page has the whole report
    first = parse_document(pages[0][0], url=urls[0])
    assert first["sections"] != whole["sections"]
    assert first["tables"]["t4"] is None or first["tables"]["t3"] is None


def test_trs_page_names_and_other_articles_are_told_apart():
    base = "http://www.ceshi.test/xxgk/ndbg/202401/"
    links = [(base + "t20240120_123_1.html", "2"), (base + "t20240120_123_2.html", "3"),
             (base + "t20240120_124.html", "下一篇"), (base + "t20240120_12.html", "上一篇"),
             ("http://other.test/xxgk/ndbg/202401/t20240120_123_1.html", "镜像"),
             (base + "t20240120_123_1.html#top", "2"), (base + "t20240120_123_1.pdf", "附件")]
    page = extract(b"<html><body><div>" + "".join(
        f'<a href="{u}">{t}</a>' for u, t in links).encode() + b"</div></body></html>",
        url=base + "t20240120_123.html")
    first = base + "t20240120_123.html"
    assert continuation_urls(page, first) == [base + "t20240120_123_1.html",
                                             base + "t20240120_123_2.html"]
    # from page 1 (t…_123_1.html), only later pages of the same article
    assert continuation_urls(page, base + "t20240120_123_1.html", first) == [
        base + "t20240120_123_2.html"]
    # without the first page's name, a page URL is taken as the first page of its own article
    assert continuation_urls(page, base + "t20240120_123_1.html") == []


def test_one_page_article_is_parsed_as_is(content):
    url = "http://www.ceshi.test/info/1033/99.htm"
    (page,) = _pages(content, [url])
    assert continuation_urls(extract(page, url=url), url) == []
    alone = parse_document(page, url=url)
    whole = parse_article([(page, url)])
    assert whole.pop("pages") == [url]
    assert whole == alone
