"""End to end: each real seed rendered by the sandbox into HTML, PDF and DOCX (as portals
publish them), then parse_document on the bytes → the same fields as the seed says.

Expectations are literals read from the seed texts by eye (see test_seeds.py), not values
taken from the sandbox's own content objects.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from parsers.report import parse_document
from sandbox.documents import render_document, report_body_html
from sandbox.seeds import load_seed
from tests.parsers.test_seeds import ALL_ZERO_T3, LIAOCHENG_T3

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"

EXPECTED = {
    # file: (agency, region code, year, template, 表三, signature date)
    "000_7016eb35578ea529.txt": ("吴忠市民政局", "640300", 2020, "2019", ALL_ZERO_T3, None),
    "001_81b4ed55c119b43f.txt": ("吴忠市民政局", "640300", 2017, "2008", None, "2018-03-26"),
    "002_c88b532b1796c0d9.txt": ("秀洲区民政局", "330411", 2020, "2019", ALL_ZERO_T3, None),
    "003_9d95345f879c4801.txt": ("聊城市民政局", "371500", 2020, "2019", LIAOCHENG_T3, None),
    "004_bd2728a2fb5b3f82.txt": ("吴忠市利通区人民政府办公室", "640302", 2020, "2019", ALL_ZERO_T3,
                                 None),
}


def _page(title: str, body: str) -> bytes:
    """An article page as portals serve it: 发展指引 meta title, site suffix in <title>."""
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<meta name=\"ArticleTitle\" content=\"{html.escape(title)}\">"
        f"<title>{html.escape(title)}_政府门户网站</title></head><body>"
        "<div class=\"nav\">首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>"
        f"<div class=\"article\">{body}</div></body></html>"
    ).encode()


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def seed(request):
    return request.param, load_seed(SEEDS / request.param)


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_seed_rendered_in_each_format_parses_to_the_same_fields(seed, fmt):
    name, content = seed
    agency, region, year, template, t3, signed = EXPECTED[name]
    if fmt == "html":
        result = parse_document(_page(content.title, report_body_html(content)),
                                content_type="text/html; charset=utf-8")
    else:
        result = parse_document(render_document(content, fmt))
    assert result["format"] == fmt
    assert result["kind"] == "annual_report"
    assert result["agency"] == agency
    assert result["region_code"] == region
    assert result["year"] == year
    assert result["template"] == template
    assert result["tables"]["t3"] == t3
    if signed:
        assert result["published"] == signed
        assert result["published_source"] == "signature"
