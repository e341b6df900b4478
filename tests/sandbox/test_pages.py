"""Report pages: multi-page articles, date evidence as the truth says, attachment formats."""

from __future__ import annotations

import re

import pytest

from tests.sandbox.http_helpers import get, links


def _rows(sb, **cond):
    return [r for r in sb.truth() if r["visible_as_of"] and all(r[k] == v for k, v in cond.items())]


def test_multi_page_articles_link_their_pages(sandbox_small):
    sb = sandbox_small
    r = next(r for r in sb.universe.reports.values() if r.pages > 1 and r.visible(sb.as_of))
    first_url = f"http://{r.host}{r.page_paths[0]}"
    first = get(sb.proxy_url, first_url)
    nxt = [h for h, t in links(first, first_url) if t == "下一页"]
    assert nxt == [f"http://{r.host}{r.page_paths[1]}"]
    second = get(sb.proxy_url, nxt[0])
    assert second.status == 200
    body = re.compile(r'<div class="article-content">(.*?)</div>\s*<div class="page">', re.S)
    assert body.search(first.text()).group(1) != body.search(second.text()).group(1)


@pytest.mark.parametrize("evidence", ["signature", "url", "none"])
def test_pages_show_only_the_date_evidence_the_truth_names(sandbox_small, evidence):
    sb = sandbox_small
    rows = [r for r in _rows(sb, date_evidence=evidence) if r["outcome"] != "backdated"]
    assert rows
    for row in rows[:8]:
        html = get(sb.proxy_url, row["page_url"]).text()
        y, m, d = row["published_date"].split("-")
        chinese = f"{int(y)}年{int(m)}月{int(d)}日"
        assert "PubDate" not in html and "发布时间" not in html
        in_text = row["published_date"] in html or chinese in html.replace(" ", "")
        if evidence == "signature" and "html" in row["formats"]:
            assert in_text, row["page_url"]
        if evidence in ("url", "none"):
            assert not in_text, row["page_url"]
        if evidence == "url":
            assert row["url_date"] == row["published_date"]
            assert row["published_date"].replace("-", "") in row["page_url"] or \
                f"/{int(y)}/{int(m)}/{int(d)}/" in row["page_url"]
        if evidence == "none" and row["url_date"]:
            assert row["url_date"] != row["published_date"]


def test_attachment_formats_are_served_with_their_types(sandbox_small):
    sb = sandbox_small
    seen = set()
    magic = {"pdf": b"%PDF", "pdf_scan": b"%PDF", "docx": b"PK\x03\x04", "xlsx": b"PK\x03\x04",
             "doc": b"\xd0\xcf\x11\xe0", "xls": b"\xd0\xcf\x11\xe0"}
    for r in sb.universe.reports.values():
        if not r.visible(sb.as_of):
            continue
        for fmt, path in zip(r.attachments, r.attachment_paths, strict=True):
            if fmt in seen or fmt not in magic or fmt == "doc":
                continue  # .doc goes through LibreOffice: covered by the documents tests
            ans = get(sb.proxy_url, f"http://{r.host}{path}")
            assert ans.status == 200 and ans.body.startswith(magic[fmt]), (fmt, path)
            seen.add(fmt)
    assert {"pdf", "docx"} <= seen


def test_unknown_test_host_is_a_gateway_error_not_an_escape(sandbox_small):
    sb = sandbox_small
    sb.reset_log()
    assert get(sb.proxy_url, "http://www.nowhere.gov.test/").status == 502
    assert sb.state()[0]["escape"] is False
