"""Hostile web servers: huge and endless bodies, endless redirects, redirect loops, crawler traps
(an endless calendar, relative links that repeat path segments, an endless "next page"),
malformed HTML and a page lying about its charset — all on one portal, crawled by
``nianbao crawl`` as a user runs it. The crawl must end on its own, within bounded requests and
memory, archive the over-size bodies truncated (``WARC-Truncated: length``) instead of losing
them, and still archive the real report the portal links to.
"""

from __future__ import annotations

import gzip
import re
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler

from tests.reliability.hostile import (
    LOOPBACK_ALLOWED,
    HostileServer,
    crawl,
    html,
    items,
    registry,
    robots,
)

MAX_DOC = 2 * 1024 * 1024  # NIANBAO_MAX_DOCUMENT_BYTES for this crawl
MAX_LIST_PAGES = 15
REPORT = "吴忠市人民政府2023年政府信息公开工作年度报告"


def endless_body(handler: BaseHTTPRequestHandler) -> None:
    """A PDF that never ends (no Content-Length, the connection stays open while we write)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/pdf")
    handler.send_header("Connection", "close")
    handler.end_headers()
    chunk = b"%PDF-1.4\n" + b"0" * 65527
    try:
        for _ in range(100_000):  # 6.5 GB: far beyond any limit
            handler.wfile.write(chunk)
    except (BrokenPipeError, ConnectionResetError, OSError):
        pass
    handler.close_connection = True


def huge_declared(_: BaseHTTPRequestHandler) -> tuple[int, list[tuple[str, str]], bytes]:
    body = b"%PDF-1.4\n" + b"1" * (12 * 1024 * 1024)
    return 200, [("Content-Type", "application/pdf")], body


def redirect_to(target: str):
    return lambda _h: (302, [("Location", target)], b"")


def endless_redirect(handler: BaseHTTPRequestHandler):
    n = int(handler.path.rsplit("/", 1)[-1].split(".")[0] or 0)
    return 302, [("Location", f"/redir/{n + 1}.pdf")], b""


def calendar(handler: BaseHTTPRequestHandler):
    m = re.search(r"date=(\d{4}-\d{2}-\d{2})", handler.path)
    day = date.fromisoformat(m.group(1)) if m else date(2023, 1, 1)
    nxt, prev = day + timedelta(days=1), day - timedelta(days=1)
    body = (f'<h2>信息公开日历 {day}</h2><a href="/xxgk/cal.jsp?date={nxt}">后一天</a>'
            f'<a href="/xxgk/cal.jsp?date={prev}">前一天</a>'
            f'<a href="/xxgk/cal.jsp?date={day}&view=month">月视图</a>')
    return 200, [("Content-Type", "text/html; charset=utf-8")], html(body, title="日历")


def relative_loop(handler: BaseHTTPRequestHandler):
    # every page links "sub/" relatively: /xxgk/loop/sub/sub/sub/... forever
    return 200, [("Content-Type", "text/html; charset=utf-8")], html(
        '<a href="sub/">信息公开目录</a><a href="../loop/sub/">公开目录</a>', title="目录")


def endless_list(handler: BaseHTTPRequestHandler):
    m = re.search(r"index_(\d+)\.html", handler.path)
    n = int(m.group(1)) if m else 0
    rows = "".join(f'<li><a href="/xxgk/ndbg/p{n}_{i}.html">通知{n}-{i}</a></li>' for i in range(2))
    body = f'<h1>政府信息公开年报</h1><ul>{rows}</ul><a href="/xxgk/ndbg/index_{n + 1}.html">下一页</a>'
    return 200, [("Content-Type", "text/html; charset=utf-8")], html(body, title="年度报告")


def report_page(_: BaseHTTPRequestHandler):
    body = (f"<h1>{REPORT}</h1><p>一、总体情况</p><p>2023年，本机关主动公开政府信息125条。</p>"
            '<a href="/files/2023.pdf">附件：年度报告.pdf</a>')
    return 200, [("Content-Type", "text/html; charset=utf-8")], html(body, title=REPORT)


def malformed(_: BaseHTTPRequestHandler):
    body = ("<html><body>" + "<div><table><tr><td><p>" * 2000 + "&#xD800;\x00<<<>>>"
            + "</span>" * 500).encode("utf-8")
    return 200, [("Content-Type", "text/html")], body


def lying_charset(_: BaseHTTPRequestHandler):
    body = ('<html><head><meta charset="utf-8"><title>年度报告</title></head><body><p>'
            f'{REPORT}</p></body></html>').encode("gb18030")
    return 200, [("Content-Type", "text/html; charset=utf-8")], body


HOME = """<h1>吴忠市人民政府 政府信息公开</h1>
<a href="/xxgk/ndbg/index.html">政府信息公开年度报告</a>
<a href="/xxgk/ndbg/2023.html">2023年政府信息公开工作年度报告</a>
<a href="/files/endless.pdf">年度报告附件（全文）</a>
<a href="/files/huge.pdf">年度报告附件（扫描件）</a>
<a href="/redir/0.pdf">年度报告附件（下载）</a>
<a href="/loop/a.pdf">年报附件</a>
<a href="/xxgk/cal.jsp?date=2023-01-01">信息公开日历</a>
<a href="/xxgk/loop/">信息公开目录</a>
<a href="/xxgk/malformed.html">政务公开专栏</a>
<a href="/xxgk/gbk.html">年度报告专栏</a>
"""


def hostile_routes() -> dict:
    return {
        "/robots.txt": robots,
        "/": lambda _h: (200, [("Content-Type", "text/html; charset=utf-8")],
                  html(HOME, title="吴忠市人民政府")),
        "/files/endless.pdf": endless_body,
        "/files/huge.pdf": huge_declared,
        "/files/2023.pdf": lambda _h: (200, [("Content-Type", "application/pdf")], b"%PDF-1.4\n%%EOF\n"),
        "/redir/*": endless_redirect,
        "/loop/a.pdf": redirect_to("/loop/b.pdf"),
        "/loop/b.pdf": redirect_to("/loop/a.pdf"),
        "/xxgk/cal.jsp": calendar,
        "/xxgk/loop/*": relative_loop,
        "/xxgk/ndbg/2023.html": report_page,
        "/xxgk/ndbg/*": endless_list,
        "/xxgk/malformed.html": malformed,
        "/xxgk/gbk.html": lying_charset,
    }


SETTINGS = {**LOOPBACK_ALLOWED, "NIANBAO_MAX_DOCUMENT_BYTES": MAX_DOC,
            "NIANBAO_MAX_LIST_PAGES": MAX_LIST_PAGES, "DOWNLOAD_TIMEOUT": 60}


def test_hostile_portal_crawl_ends_bounded_and_keeps_what_it_can(tmp_path, reliability_record):
    routes = hostile_routes()
    data = tmp_path / "data"
    with HostileServer(routes) as server:
        report, seconds, peak = crawl(
            registry(tmp_path / "r.csv", server.url("/")), data,
            settings=SETTINGS, timeout=600)
        hits = list(server.hits)

    def count(prefix: str) -> int:
        return sum(1 for h in hits if h.startswith(prefix))

    # bounded: each trap is cut off by a rule, not by luck
    assert count("/redir/") <= 11  # REDIRECT_MAX_TIMES = 10 hops after the first
    assert count("/loop/") <= 22
    assert count("/xxgk/cal.jsp") <= 12  # navigation depth and sibling-chain rules
    assert max((h.count("/sub") for h in hits), default=0) <= 3  # repeated segments: a trap
    assert count("/xxgk/ndbg/index") <= MAX_LIST_PAGES + 1
    # the over-size bodies are archived, truncated at the limit, not dropped
    fetched = {it["url"].split(str(server.port), 1)[1]: it for it in items(data) if it.get("type") == "fetch"}
    warcs = [gzip.open(p).read() for p in (data / "warcs").glob("*.warc.gz")]
    truncated = sum(w.count(b"WARC-Truncated: length") for w in warcs)
    assert truncated >= 2, "endless and huge bodies must be archived as truncated"
    for name in ("/files/endless.pdf", "/files/huge.pdf"):
        assert fetched[name].get("truncated") == "length", fetched.get(name)
    largest = max(len(w) for w in warcs)
    assert largest < 6 * MAX_DOC + 1024 * 1024  # two truncated bodies and the rest: bounded
    # and the crawl still did its job
    assert "/xxgk/ndbg/2023.html" in fetched and "/files/2023.pdf" in fetched
    seed = report["seeds"][0]
    assert any(p["url"].endswith("/xxgk/ndbg/2023.html") for p in seed["report_pages"])
    assert "/xxgk/gbk.html" in fetched and "/xxgk/malformed.html" in fetched
    reliability_record(
        "Hostile portal: huge/endless bodies, redirect chains and loops, traps, bad HTML",
        "one loopback portal with an endless PDF, a 12 MB PDF over a 2 MB document limit, endless "
        "redirects, a redirect loop, an endless calendar, relative-link loops, endless "
        "pagination, malformed and charset-lying pages, crawled with `nianbao crawl`",
        area="hostile", inputs_tried=10, requests=len(hits), seconds=round(seconds, 1),
        peak_mb=round(peak), truncated_archived=truncated, records_lost=0,
        report_found=True)
