"""Tiny HTTP helpers for talking to the sandbox proxy exactly as a crawler would."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes  # de-chunked, still content-encoded

    def text(self) -> str:
        ctype = self.headers.get("content-type", "")
        charset = ctype.split("charset=")[-1] if "charset=" in ctype else "utf-8"
        return self.body.decode(charset)


def get(proxy_url: str, url: str, *, method: str = "GET", headers: dict[str, str] | None = None,
        timeout: float = 30) -> Answer:
    """One request through the proxy (absolute-URI form), no retries, no decoding."""
    p = urlsplit(proxy_url)
    conn = http.client.HTTPConnection(p.hostname, p.port, timeout=timeout)
    try:
        conn.request(method, url, headers={"User-Agent": "nianbao-tests", **(headers or {})})
        resp = conn.getresponse()
        body = resp.read()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def links(answer: Answer, base: str) -> list[tuple[str, str]]:
    """(absolute href, link text) of every ``<a href>`` in an HTML answer."""
    doc = lxml.html.fromstring(answer.text())
    return [(urljoin(base, a.get("href")), a.text_content().strip()) for a in doc.iter("a") if a.get("href")]


def follow(proxy_url: str, url: str, *needles: str) -> str:
    """The first link on ``url`` whose text contains any of ``needles`` (fails loudly if none)."""
    ans = get(proxy_url, url)
    assert ans.status == 200, f"{url} answered {ans.status}"
    for href, text in links(ans, url):
        if any(n in text for n in needles):
            return href
    raise AssertionError(f"no link with {needles} on {url}")
