"""Every visible report is reachable from its registry portal by following links (plus the
Hanweb data endpoint that a browser's script would call), without entering robots-disallowed
paths or going round the calendar trap more than once."""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import lxml.etree

from sandbox.registry import registry_csv
from tests.sandbox.http_helpers import get, links

DISALLOWED = ("/search/", "/preview/")


def _crawl(sb, start: str) -> set[str]:
    host = urlsplit(start).hostname
    seen, queue, calendar = {start}, deque([start]), 0
    while queue:
        url = queue.popleft()
        ans = get(sb.proxy_url, url)
        if ans.status != 200 or not ans.headers["content-type"].startswith("text/html"):
            continue
        text = ans.text()
        found = [h for h, _ in links(ans, url)]
        m = re.search(r'dataproxy\.jsp\?startrecord=" \+ start.*?columnid=(\d+)', text, re.S)
        if m:
            data = get(sb.proxy_url, f"http://{host}/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=999&columnid={m.group(1)}")
            for rec in lxml.etree.fromstring(data.body).iterfind("recordset/record"):
                found.append(f"http://{host}" + re.search(r'href="([^"]+)"', rec.text).group(1))
        m = re.search(r'createPageHTML\((\d+), (\d+), "(\w+)", "(\w+)"\);', text)
        if m:  # TRS pagination exists only in this script call
            pages, name, ext = int(m.group(1)), m.group(3), m.group(4)
            base = url.rsplit("/", 1)[0]
            found += [f"{base}/{name}_{k}.{ext}" for k in range(1, pages)]
        for href in found:
            href = urldefrag(href)[0].replace("&amp;", "&")
            parts = urlsplit(href)
            if parts.hostname != host or parts.path.startswith(DISALLOWED) or href in seen:
                continue
            if "/rili/" in parts.path:
                calendar += 1
                if calendar > 2:
                    continue
            seen.add(href)
            if not re.search(r"\.(pdf|docx?|wps|xlsx?)$|downfile\.jsp|/doc/file/", href):
                queue.append(href)  # files are noted, not fetched (rendering them is slow)
    return seen


def test_every_visible_report_is_reachable_from_the_registry_portals(sandbox_small):
    sb = sandbox_small
    portals = {row["portal_url"] for row in csv.DictReader(io.StringIO(registry_csv(sb.universe)))}
    reached: set[str] = set()
    for portal in sorted(portals):
        reached |= _crawl(sb, portal)
    expected = {r["page_url"] for r in sb.truth() if r["visible_as_of"]}
    missing = expected - reached
    assert not missing, sorted(missing)[:5]
    attachments = {u for r in sb.truth() if r["visible_as_of"] for u in r["attachment_urls"]}
    assert attachments <= reached
