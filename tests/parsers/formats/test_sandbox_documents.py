"""Every format the sandbox publishes reports in (sandbox/documents.py) comes back as text and
table grids holding the report's numbers."""

from __future__ import annotations

import random

import pytest

from parsers.formats import extract
from sandbox.content import make_report_content
from sandbox.documents import FORMATS, render_document, report_body_html


@pytest.fixture(scope="module")
def content():
    return make_report_content(random.Random(20240131), agency_name="测试市民政局", region_name="测试市",
                               year=2022, template="2021")


def _cells(doc) -> set[str]:
    return {cell for t in doc.tables for row in t.rows for cell in row}


def _nonzero_t3(content) -> set[str]:
    return {str(v) for row in content.t3.values() for v in row.values() if v}


def _check_tables(doc, content):
    for t in doc.tables:
        assert len({len(r) for r in t.rows}) == 1, "grids are rectangular"
    missing = _nonzero_t3(content) - _cells(doc)
    assert not missing, f"表三 numbers missing from {doc.format} tables: {sorted(missing)}"


@pytest.mark.timeout(240)
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_sandbox_format_extracts(content, fmt):
    data = render_document(content, fmt)
    doc = extract(data, filename=f"report.{fmt.replace('_scan', '')}")
    expected = {"pdf_scan": "pdf"}.get(fmt, fmt)
    assert doc.format == expected, doc.warnings
    if fmt == "pdf_scan":
        assert doc.needs_ocr and doc.text == ""
        return
    assert doc.tables, doc.warnings
    _check_tables(doc, content)
    if fmt not in ("xls", "xlsx"):
        # the prose survives in reading order: section 一 before the 表三 caption
        assert "一、" in doc.text and doc.text.index("一、") < doc.text.index("收到和处理政府信息公开申请情况")


def test_sandbox_article_html(content):
    page = ("<html><head><meta charset='utf-8'><title>t</title></head><body>"
            "<div class='nav'><a href='/'>首页</a><a href='/x'>政务公开</a></div>"
            f"<div class='main'>{report_body_html(content)}</div>"
            "<div class='footer'>网站标识码：1234560001</div></body></html>").encode()
    doc = extract(page, url="http://www.ceshi.test/a.html")
    assert doc.format == "html"
    _check_tables(doc, content)
    assert "网站标识码" not in doc.text


def test_sandbox_portal_pages_of_every_cms_family():
    """Article pages as the sandbox's TRS, Hanweb, Guangdong and static portals serve them:
    the 表三 numbers are in the grids, the chrome is not in the text, the title is the
    article's (equal to ArticleTitle where the page has that meta tag)."""
    import datetime as dt

    from sandbox.site import Site
    from sandbox.universe import Universe

    universe = Universe(1, "small")
    site = Site(universe)
    on = dt.date(2026, 6, 1)
    seen: dict[str, int] = {}
    for r in universe.reports.values():
        family = universe.portals[r.host].family
        if not r.visible(on) or r.presentation == "attachment" or r.pages != 1 or seen.get(family, 0) >= 3:
            continue
        path, _, query = r.page_path.partition("?")
        response = site.handle(r.host, path, query, on)
        assert response.status == 200
        doc = extract(response.body, url=f"http://{r.host}{r.page_path}")
        _check_tables(doc, site.content(r, on))
        for chrome in ("首页", "网站标识码"):
            assert chrome not in doc.text, (family, r.page_path)
        if "ArticleTitle" in doc.html_meta:
            assert doc.title == doc.html_meta["ArticleTitle"]
        seen[family] = seen.get(family, 0) + 1
    assert set(seen) == {"trs", "hanweb", "gd", "static"}
