"""WACZ packages pass ``wacz validate``; a real pywb replays pages, gzip-encoded and chunked
pages and a PDF with the bytes the server sent."""

from __future__ import annotations

import gzip
import json
import subprocess
import urllib.request
import zipfile
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from click.testing import CliRunner

from archive.reader import read_record
from archive.replay import ReplayServer
from archive.wacz import build_wacz, crawl_warcs
from nianbao.cli import main
from tests.archive.conftest import crawl

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_wacz_of_a_recrawl_validates_and_carries_the_originals(crawled_copy, server, tmp_path,
                                                               venv_bin):
    data, first = crawled_copy
    second = crawl(data, server, "c2")
    rec = read_record(data / "warcs" / second["/plain.html"].filename,
                      second["/plain.html"].offset)
    pages = tmp_path / "pages.jsonl"
    pages.write_text(json.dumps({"url": server.url("/plain.html"), "ts": rec.date,
                                 "title": "年度报告"}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "c2.wacz"
    result = CliRunner().invoke(main, ["archive", "wacz", "--data", str(data), "--crawl", "c2",
                                       "--pages", str(pages), "--out", str(out)])
    assert result.exit_code == 0, result.output
    check = subprocess.run([str(venv_bin / "wacz"), "validate", "-f", str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        archived = {n.split("/", 1)[1] for n in names if n.startswith("archive/")}
        listed = z.read("pages/pages.jsonl").decode("utf-8").splitlines()
    # revisits of crawl c2 point into c1's file, which must travel with it
    assert archived == {p.name for p in crawl_warcs(data, "c2")}
    assert first["/plain.html"].filename in archived and second["/plain.html"].filename in archived
    assert {"indexes/index.cdx.gz", "datapackage.json", "datapackage-digest.json"} <= set(names)
    assert any(json.loads(line).get("url") == server.url("/plain.html") for line in listed[1:])


def test_wacz_of_unknown_crawl_is_a_clear_error(crawled, tmp_path):
    data, _ = crawled
    result = CliRunner().invoke(main, ["archive", "wacz", "--data", str(data), "--crawl", "nope",
                                       "--out", str(tmp_path / "x.wacz")])
    assert result.exit_code != 0 and "no closed WARC of crawl 'nope'" in result.output


def test_wacz_without_pages_detects_html_pages(crawled, tmp_path, venv_bin):
    data, _ = crawled
    out = build_wacz(data, "c1", tmp_path / "c1.wacz")
    check = subprocess.run([str(venv_bin / "wacz"), "validate", "-f", str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


@pytest.fixture(scope="module")
def replay(crawled):
    data, _ = crawled
    with ReplayServer(data) as srv:
        yield srv


@pytest.mark.parametrize("path", ["/plain.html", "/gzip.html", "/chunked.html",
                                  "/chunked-gzip.html", "/report.pdf", "/mirror/report.pdf",
                                  "/list.html?page=2&col=nb"])
def test_pywb_replays_the_bytes_the_server_sent(replay, crawled, server, path):
    data, locations = crawled
    route = server.routes[path]
    timestamp = read_record(data / "warcs" / locations[path].filename,
                            locations[path].offset).date   # a WARC-Date works as timestamp
    with DIRECT.open(replay.url(timestamp, server.url(path))) as resp:
        assert resp.status == 200
        replayed = resp.read()
    assert replayed == route.decoded       # identity replay, content decoded by pywb
    request = urllib.request.Request(replay.url(timestamp, server.url(path)),
                                     headers={"Accept-Encoding": "gzip"})
    with DIRECT.open(request) as resp:
        raw = resp.read()
        encoding = resp.headers.get("Content-Encoding")
    # a client accepting gzip gets exactly the bytes the server sent, encoding and all
    assert raw == route.entity
    assert encoding == next((v for k, v in route.headers if k == "Content-Encoding"), None)
    if encoding == "gzip":
        assert gzip.decompress(raw) == route.decoded


def test_pywb_replays_a_304_capture_as_the_document_it_confirms(crawled_copy, server):
    """A 304 is archived as a server-not-modified revisit; replaying the URL at *its* time
    gives the original 200 answer and bytes, not an empty 304 (plain pywb would)."""
    from archive.writer import ArchiveWriter
    from tests.archive.conftest import WARCINFO
    from tests.archive.rawserver import fetch

    data, first = crawled_copy
    with ArchiveWriter(data, crawl_id="c2", warcinfo=WARCINFO) as w:
        ex = fetch(server, "/etag.html", extra_headers=[("If-None-Match", '"v1"')])
        assert ex.status == 304
        ex.fetched_at += timedelta(days=1)   # a later crawl: pywb resolves timestamps to seconds
        loc = w.write_exchange(ex)
    rec = read_record(data / "warcs" / loc.filename, loc.offset)
    original = read_record(data / "warcs" / first["/etag.html"].filename,
                           first["/etag.html"].offset)
    assert rec.rec_type == "revisit" and rec.http_status == 304
    assert rec.date > original.date
    with ReplayServer(data) as srv, DIRECT.open(srv.url(rec.date, server.url("/etag.html"))) as resp:
        assert resp.status == 200
        assert resp.read() == server.routes["/etag.html"].decoded
        # the memento is the 304 capture's (what was asked for), not the original's
        assert parsedate_to_datetime(resp.headers["Memento-Datetime"]) == ex.fetched_at.replace(
            microsecond=0)
