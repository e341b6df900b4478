"""gzip (when accepted) and chunked transfer answers are well-formed on the wire."""

from __future__ import annotations

import gzip
import socket
from urllib.parse import urlsplit

from sandbox.universe import stable_hash
from tests.sandbox.http_helpers import get


def _page_where(sb, pred) -> str:
    for r in sb.universe.reports.values():
        if r.visible(sb.as_of) and pred(stable_hash(r.host, r.page_path, "encoding")):
            return f"http://{r.host}{r.page_path}"
    raise AssertionError("no such page")


def test_gzip_only_when_the_client_accepts_it(sandbox_small):
    url = _page_where(sandbox_small, lambda h: h % 3 == 0)
    plain = get(sandbox_small.proxy_url, url)
    zipped = get(sandbox_small.proxy_url, url, headers={"Accept-Encoding": "gzip, deflate"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    if "content-length" in zipped.headers:
        assert int(zipped.headers["content-length"]) == len(zipped.body)


def test_chunked_answers_are_well_framed(sandbox_small):
    url = _page_where(sandbox_small, lambda h: h % 4 == 1)
    p = urlsplit(sandbox_small.proxy_url)
    with socket.create_connection((p.hostname, p.port), timeout=10) as s:
        s.sendall(f"GET {url} HTTP/1.1\r\nHost: {urlsplit(url).hostname}\r\nConnection: close\r\n\r\n".encode())
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head and b"Content-Length" not in head
    body = b""
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert rest == b"\r\n"
            break
        body, rest = body + rest[:size], rest[size:]
        assert rest.startswith(b"\r\n")
        rest = rest[2:]
    assert body == get(sandbox_small.proxy_url, url).body
    assert body.rstrip().endswith(b"</html>")
