"""The archive on real sandbox answers (through its proxy): report pages in GBK and UTF-8,
gzip-encoded, chunked and chunked+gzip answers, PDFs and download-script attachments. The
standard tools accept what we wrote and a real pywb replays the bytes the sandbox served.

The wire bytes are read from a raw socket and parsed by ``http.client`` (not by our code), so
the expected payload of a chunked answer comes from an independent de-chunker.
"""

from __future__ import annotations

import http.client
import io
import socket
import subprocess
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from archive.digests import sha1_digest
from archive.exchange import Exchange
from archive.files import closed_warcs
from archive.reader import read_record
from archive.replay import ReplayServer
from archive.verify import verify_data_dir
from archive.writer import ArchiveWriter

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
UA = "nianbao-test/1 (+http://127.0.0.1/contact)"


class _Wire:
    def __init__(self, data: bytes):
        self.data = data

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self.data)


def fetch_via_proxy(proxy_url: str, url: str) -> tuple[Exchange, bytes]:
    """GET ``url`` through the proxy on a raw socket; the Exchange and the bytes on the wire."""
    proxy = urlsplit(proxy_url)
    req_headers = [("Host", urlsplit(url).netloc), ("User-Agent", UA),
                   ("Accept-Encoding", "gzip"), ("Connection", "close")]
    head = f"GET {url} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in req_headers) + "\r\n"
    with socket.create_connection((proxy.hostname, proxy.port), timeout=10) as sock:
        sock.sendall(head.encode("ascii"))
        wire = b""
        while chunk := sock.recv(65536):
            wire += chunk
    resp = http.client.HTTPResponse(_Wire(wire), method="GET")  # type: ignore[arg-type]
    resp.begin()
    body = resp.read()
    ex = Exchange(url=url, method="GET", request_headers=req_headers, request_body=b"",
                  status=resp.status, reason=resp.reason, http_version="HTTP/1.1",
                  response_headers=resp.getheaders(), body=body, fetched_at=datetime.now(UTC),
                  metadata={"via": "sandbox-test"})
    return ex, wire


def _kind(ex: Exchange) -> tuple[str, str | None, bool]:
    h = {k.lower(): v for k, v in ex.response_headers}
    ctype = h.get("content-type", "").split(";")[0]
    family = "html" if ctype == "text/html" else "document"
    return family, h.get("content-encoding"), "chunked" in h.get("transfer-encoding", "")


@pytest.fixture(scope="module")
def sandbox_archive(tmp_path_factory):
    """One answer of each kind (html/document × gzip or not × chunked or not) archived twice."""
    from sandbox.testing import running_sandbox

    data = tmp_path_factory.mktemp("sandbox-archive")
    picked: dict[tuple, tuple[Exchange, bytes]] = {}
    with running_sandbox(seed=1, size="small", faults="none") as sb:
        rows = [r for r in sb.truth() if r["visible_as_of"] and r["reachable"]]
        for row in rows:
            for url in [row["page_url"], *row["attachment_urls"]]:
                ex, wire = fetch_via_proxy(sb.proxy_url, url)
                if ex.status == 200:
                    picked.setdefault(_kind(ex), (ex, wire))
            if len(picked) == 8:
                break
        again = {k: fetch_via_proxy(sb.proxy_url, ex.url)[0] for k, (ex, _) in picked.items()}
    assert len(picked) == 8, sorted(picked)   # the sandbox serves every framing we must handle
    with ArchiveWriter(data, crawl_id="s1", warcinfo={"operator": "test"}) as w:
        first = {k: w.write_exchange(ex) for k, (ex, _) in picked.items()}
    with ArchiveWriter(data, crawl_id="s2", warcinfo={"operator": "test"}) as w:
        second = {k: w.write_exchange(ex) for k, ex in again.items()}
    return data, picked, first, second


def test_standard_tools_accept_the_archive(sandbox_archive, venv_bin):
    data, *_ = sandbox_archive
    warcs = [str(p) for p in closed_warcs(data)]
    check = subprocess.run([str(venv_bin / "warcio"), "check", *warcs], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout
    theirs = subprocess.run([str(venv_bin / "cdxj-indexer"), "--sort", *warcs],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    ours = sorted(line for p in (data / "indexes").glob("*.cdxj")
                  for line in p.read_text().splitlines())
    assert ours == theirs
    assert verify_data_dir(data).ok


def test_payload_digests_follow_warc_1_1_on_sandbox_framing(sandbox_archive):
    data, picked, first, _ = sandbox_archive
    for key, (ex, wire) in picked.items():
        loc = first[key]
        rec = read_record(data / "warcs" / loc.filename, loc.offset)
        assert rec.header("WARC-Payload-Digest") == sha1_digest(ex.body), key
        assert rec.payload == ex.body, key
        if key[2]:   # chunked on the wire: the naive digest would differ
            assert sha1_digest(wire.split(b"\r\n\r\n", 1)[1]) != rec.header("WARC-Payload-Digest")


def test_unchanged_answers_become_revisits(sandbox_archive):
    _, picked, first, second = sandbox_archive
    for key in picked:
        if len(picked[key][0].body) >= 512:
            assert second[key].is_revisit, key
            assert second[key].digest == first[key].digest


def test_pywb_replays_what_the_sandbox_served(sandbox_archive):
    data, picked, first, _ = sandbox_archive
    with ReplayServer(data) as srv:
        for key, (ex, _) in picked.items():
            rec = read_record(data / "warcs" / first[key].filename, first[key].offset)
            request = urllib.request.Request(srv.url(rec.date, ex.url),
                                             headers={"Accept-Encoding": "gzip"})
            with DIRECT.open(request) as resp:
                assert resp.status == 200
                assert resp.read() == ex.body, key
                assert resp.headers.get("Content-Encoding") == key[1], key
