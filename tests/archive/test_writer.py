"""The WARC files the writer produces: standard tools accept them, digests are right (chunked
included), the HTTP message policy holds, records are linked, dedup and rotation work."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
from datetime import UTC, datetime

import pytest

from archive.digests import sha1_digest
from archive.exchange import Exchange
from archive.files import closed_warcs, open_warcs
from archive.reader import iter_data_dir, iter_records, read_record
from archive.writer import ArchiveWriter
from tests.archive.conftest import WARCINFO, crawl
from tests.archive.rawserver import fetch


def b32sha1(data: bytes) -> str:
    import base64

    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def records_by_id(data):
    return {r.record_id: r for r in iter_data_dir(data)}


def test_warcio_check_passes(crawled, venv_bin):
    data, _ = crawled
    warcs = closed_warcs(data)
    assert warcs and not open_warcs(data)
    result = subprocess.run([str(venv_bin / "warcio"), "check", "-v", *map(str, warcs)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout and "failed" not in result.stdout


def test_our_cdxj_equals_cdxj_indexer(crawled_copy, server, venv_bin):
    data, first = crawled_copy
    crawl(data, server, "c2")                                     # revisits across files
    with ArchiveWriter(data, crawl_id="c3", warcinfo=WARCINFO, max_size=3_000) as w:  # rotation
        w.write_exchange(fetch(server, "/etag.html", extra_headers=[("If-None-Match", '"v1"')]))
        resp = w.write_exchange(fetch(server, "/chunked.html"))
        w.write_rendered_dom(server.url("/chunked.html"), "<html>dom</html>",
                             datetime.now(UTC), resp.record_id)
        truncated = fetch(server, "/report.pdf")
        truncated.body, truncated.truncated = truncated.body[:1000], "length"
        w.write_exchange(truncated)
    warcs = closed_warcs(data)
    assert len(warcs) >= 4
    ours = []
    for warc in warcs:
        lines = (data / "indexes" / (warc.name[:-len(".warc.gz")] + ".cdxj")).read_text()
        assert lines.splitlines() == sorted(lines.splitlines()) and lines.strip(), warc.name
        ours += lines.splitlines()
    theirs = subprocess.run([str(venv_bin / "cdxj-indexer"), "--sort", *map(str, warcs)],
                            capture_output=True, text=True, check=True).stdout
    assert sorted(ours) == theirs.splitlines()


@pytest.mark.parametrize("path", ["/chunked.html", "/chunked-gzip.html", "/report.pdf"])
def test_payload_digest_is_over_dechunked_still_encoded_body(crawled, server, path):
    data, locations = crawled
    route = server.routes[path]
    wire = server.wire[path]
    assert b"Transfer-Encoding: chunked" in wire  # the server really chunked it
    rec = read_record(data / "warcs" / locations[path].filename, locations[path].offset)
    assert rec.header("WARC-Payload-Digest") == b32sha1(route.entity)
    assert rec.header("WARC-Payload-Digest") != b32sha1(wire.split(b"\r\n\r\n", 1)[1])
    assert rec.payload == route.entity          # encoded bytes kept
    assert rec.decoded_payload() == route.decoded


def test_stored_http_message_is_self_consistent(crawled, server):
    data, locations = crawled
    loc = locations["/chunked-gzip.html"]
    rec = read_record(data / "warcs" / loc.filename, loc.offset)
    names = [k.lower() for k, _ in rec.http_headers]
    assert "transfer-encoding" not in names
    assert rec.http_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert rec.http_header("Content-Encoding") == "gzip"
    assert rec.http_header("Content-Length") == str(len(rec.payload))
    pdf = read_record(data / "warcs" / locations["/report.pdf"].filename,
                      locations["/report.pdf"].offset)
    cookies = [v for k, v in pdf.http_headers if k.lower() == "set-cookie"]
    assert cookies == ["a=1; Path=/", "b=2; Path=/"]   # multi-valued headers kept
    assert pdf.http_statusline == "200 OK"


def test_records_are_linked_and_carry_warcinfo(crawled, server):
    data, locations = crawled
    recs = list(iter_data_dir(data))
    warcinfo = [r for r in recs if r.rec_type == "warcinfo"]
    assert warcinfo
    info = warcinfo[0].payload.decode()
    for field in ("software: nianbao/test", "format: WARC File Format 1.1", "conformsTo:",
                  "operator:", "robots: obey", "hostname:", "crawl-id: c1", "registry-hash:",
                  "user-agent:", "http-body-policy:"):
        assert field in info
    info_ids = {r.record_id for r in warcinfo}
    assert all(r.header("WARC-Warcinfo-ID") in info_ids for r in recs if r.rec_type != "warcinfo")
    by_id = {r.record_id: r for r in recs}
    loc = locations["/list.html?page=2&col=nb"]
    resp = by_id[loc.record_id]
    assert resp.target_uri == server.url("/list.html?page=2&col=nb")   # query string kept
    assert resp.header("WARC-IP-Address") == "127.0.0.1"
    linked = [r for r in recs if r.header("WARC-Concurrent-To") == loc.record_id]
    assert sorted(r.rec_type for r in linked) == ["metadata", "request"]
    req = next(r for r in linked if r.rec_type == "request")
    assert req.http_protocol == "GET" and req.http_statusline.startswith("/list.html?page=2&col=nb")
    meta = next(r for r in linked if r.rec_type == "metadata").payload.decode()
    assert "via: seed" in meta and "hops: 0" in meta


def test_challenge_answers_are_archived_like_any_response(crawled):
    data, locations = crawled
    rec = read_record(data / "warcs" / locations["/challenge"].filename,
                      locations["/challenge"].offset)
    assert rec.rec_type == "response" and rec.http_status == 412
    assert b"$_ts" in rec.payload


def test_identical_payload_becomes_revisit_and_second_crawl_grows_little(crawled_copy, server):
    data, first = crawled_copy
    # same PDF at two URLs within the first crawl: the second is a revisit
    mirror = first["/mirror/report.pdf"]
    assert mirror.is_revisit and not first["/report.pdf"].is_revisit
    size_before = sum(p.stat().st_size for p in closed_warcs(data))
    second = crawl(data, server, "c2")
    grown = sum(p.stat().st_size for p in closed_warcs(data)) - size_before
    assert grown < 0.10 * size_before, (grown, size_before)
    by_id = records_by_id(data)
    rev = by_id[second["/gzip.html"].record_id]
    assert rev.rec_type == "revisit"
    assert rev.header("WARC-Profile").endswith("/1.1/revisit/identical-payload-digest")
    orig = by_id[rev.header("WARC-Refers-To")]
    assert orig.record_id == first["/gzip.html"].record_id
    assert rev.header("WARC-Refers-To-Target-URI") == orig.target_uri
    assert rev.header("WARC-Refers-To-Date") == orig.date
    assert rev.header("WARC-Payload-Digest") == orig.header("WARC-Payload-Digest")
    assert rev.http_header("Content-Encoding") == "gzip"    # HTTP headers kept
    # tiny bodies are stored again in full (see DEDUP_MIN_SIZE)
    assert not second["/challenge"].is_revisit


def test_dedup_index_is_rebuilt_from_warcs_when_lost(crawled_copy, server):
    data, first = crawled_copy
    for p in (data / "indexes").glob("dedup.sqlite*"):
        p.unlink()
    second = crawl(data, server, "c2", paths=["/plain.html"])
    rev = read_record(data / "warcs" / second["/plain.html"].filename, second["/plain.html"].offset)
    assert rev.rec_type == "revisit"
    assert rev.header("WARC-Refers-To") == first["/plain.html"].record_id


def test_304_becomes_server_not_modified_revisit(crawled_copy, server):
    data, first = crawled_copy
    with ArchiveWriter(data, crawl_id="c3", warcinfo=WARCINFO) as w:
        ex = fetch(server, "/etag.html", extra_headers=[("If-None-Match", '"v1"')])
        assert ex.status == 304
        loc = w.write_exchange(ex)
    rec = read_record(data / "warcs" / loc.filename, loc.offset)
    assert loc.is_revisit and rec.rec_type == "revisit" and rec.http_status == 304
    assert rec.header("WARC-Profile") == \
        "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
    assert rec.header("WARC-Refers-To") == first["/etag.html"].record_id
    assert rec.http_header("ETag") == '"v1"'


def test_rotation_at_max_size(tmp_path, server, venv_bin):
    paths = ["/plain.html", "/gzip.html", "/chunked.html", "/report.pdf", "/challenge"]
    locs = crawl(tmp_path, server, "rot", paths=paths, max_size=4_000, dedup=False)
    warcs = closed_warcs(tmp_path)
    assert len(warcs) >= 3
    assert len({loc.filename for loc in locs.values()}) == len(warcs)
    for warc in warcs:
        first = next(iter_records(warc))  # every file starts with its warcinfo
        assert first.rec_type == "warcinfo"
        assert (tmp_path / "indexes" / (warc.name[:-8] + ".cdxj")).stat().st_size > 0
    check = subprocess.run([str(venv_bin / "warcio"), "check", *map(str, warcs)])
    assert check.returncode == 0
    for path, loc in locs.items():
        assert read_record(tmp_path / "warcs" / loc.filename, loc.offset).target_uri == server.url(path)


def test_truncated_body_is_marked_and_not_used_for_dedup(tmp_path):
    body = b"%PDF-1.7 " + b"x" * 5000
    ex = Exchange(url="http://example.test/big.pdf", method="GET", request_headers=[],
                  request_body=b"", status=200, reason="OK", http_version="HTTP/1.1",
                  response_headers=[("Content-Type", "application/pdf"),
                                    ("Content-Length", "999999")],
                  body=body, fetched_at=datetime.now(UTC), truncated="length")
    with ArchiveWriter(tmp_path, crawl_id="t", warcinfo={}) as w:
        first = w.write_exchange(ex)
        second = w.write_exchange(ex)
    rec = read_record(tmp_path / "warcs" / first.filename, first.offset)
    assert rec.header("WARC-Truncated") == "length"
    assert rec.http_header("Content-Length") == str(len(body))
    assert rec.http_header("X-Archive-Orig-Content-Length") == "999999"
    assert not second.is_revisit   # a truncated body is nobody's original


def test_rendered_dom_is_a_conversion_linked_to_its_response(tmp_path, server):
    with ArchiveWriter(tmp_path, crawl_id="r", warcinfo={}) as w:
        resp = w.write_exchange(fetch(server, "/plain.html"))
        dom = w.write_rendered_dom(server.url("/plain.html"), "<html><body>渲染后</body></html>",
                                   datetime.now(UTC), resp.record_id)
    rec = read_record(tmp_path / "warcs" / dom.filename, dom.offset)
    assert rec.rec_type == "conversion"
    assert rec.header("WARC-Refers-To") == resp.record_id
    assert rec.payload.decode("utf-8") == "<html><body>渲染后</body></html>"
    assert rec.header("WARC-Payload-Digest") == sha1_digest(rec.payload)


def test_non_ascii_url_and_header_values_are_stored_faithfully(tmp_path):
    raw_disposition = 'attachment; filename="2023年报.pdf"'.encode().decode("latin-1")
    ex = Exchange(url="http://example.test/年报?year=2023", method="GET", request_headers=[],
                  request_body=b"", status=200, reason="OK", http_version="HTTP/1.1",
                  response_headers=[("Content-Disposition", raw_disposition)],
                  body=b"data", fetched_at=datetime.now(UTC))
    with ArchiveWriter(tmp_path, crawl_id="u", warcinfo={}) as w:
        loc = w.write_exchange(ex)
    warc = tmp_path / "warcs" / loc.filename
    raw = gzip.decompress(warc.read_bytes())
    assert 'filename="2023年报.pdf"'.encode() in raw             # the bytes the server sent
    rec = read_record(warc, loc.offset)
    assert rec.target_uri == "http://example.test/%E5%B9%B4%E6%8A%A5?year=2023"


@pytest.mark.parametrize("change, message", [
    ({"url": "http://x.test/a b"}, "whitespace"),
    ({"status": 42}, "3-digit"),
    ({"fetched_at": datetime(2024, 1, 1)}, "timezone"),
    ({"truncated": "maybe"}, "truncated"),
    ({"response_headers": [("X", "a\r\nInjected: 1")]}, "line break"),
])
def test_bad_exchange_is_refused_with_a_clear_error(tmp_path, change, message):
    fields = dict(url="http://x.test/", method="GET", request_headers=[], request_body=b"",
                  status=200, reason="OK", http_version="HTTP/1.1", response_headers=[],
                  body=b"", fetched_at=datetime.now(UTC))
    fields.update(change)
    with ArchiveWriter(tmp_path, crawl_id="bad", warcinfo={}) as w:
        with pytest.raises(ValueError, match=message):
            w.write_exchange(Exchange(**fields))


def test_a_write_failing_half_way_leaves_the_file_valid(tmp_path, server, monkeypatch):
    from archive import writer as writer_mod
    from archive.verify import verify_data_dir

    with ArchiveWriter(tmp_path, crawl_id="fail", warcinfo={}) as w:
        good = w.write_exchange(fetch(server, "/plain.html"))

        def broken(fields):  # the metadata record fails after response and request were written
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(writer_mod, "_warc_fields", broken)
        with pytest.raises(OSError, match="No space"):
            w.write_exchange(fetch(server, "/gzip.html"))
        monkeypatch.undo()
        after = w.write_exchange(fetch(server, "/chunked.html"))
    types = [r.rec_type for r in iter_records(tmp_path / "warcs" / after.filename)]
    assert types == ["warcinfo"] + ["response", "request", "metadata"] * 2
    assert good.filename == after.filename
    report = verify_data_dir(tmp_path)
    assert report.ok, [str(p) for p in report.problems]
    uris = [r.target_uri for r in iter_data_dir(tmp_path) if r.rec_type == "response"]
    assert uris == [server.url("/plain.html"), server.url("/chunked.html")]


def test_closed_writer_refuses_writes(tmp_path, server):
    w = ArchiveWriter(tmp_path, crawl_id="closed", warcinfo={})
    w.close()
    with pytest.raises(ValueError, match="is closed"):
        w.write_exchange(fetch(server, "/plain.html"))
