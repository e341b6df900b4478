"""Reading records back (decoded payloads, revisits resolved) and the `archive` CLI."""

from __future__ import annotations

import zlib

import pytest
from click.testing import CliRunner

from archive.files import closed_warcs
from archive.reader import decode_content, iter_data_dir, read_record, resolve_payload
from archive.verify import verify_data_dir
from archive.writer import ArchiveWriter
from nianbao.cli import main
from tests.archive.conftest import WARCINFO, crawl
from tests.archive.rawserver import fetch


def test_decoded_payload_undoes_content_encoding(crawled, server):
    data, locations = crawled
    for path in ("/gzip.html", "/chunked-gzip.html", "/plain.html"):
        rec = read_record(data / "warcs" / locations[path].filename, locations[path].offset)
        assert rec.decoded_payload() == server.routes[path].decoded


def test_decode_content_variants():
    text = "年报".encode() * 100
    assert decode_content(zlib.compress(text), "deflate") == text
    raw = zlib.compressobj(wbits=-15)
    assert decode_content(raw.compress(text) + raw.flush(), "deflate") == text
    import brotli

    assert decode_content(brotli.compress(text), "br") == text
    with pytest.raises(ValueError, match="x.warc#5: unsupported Content-Encoding 'compress'"):
        decode_content(text, "compress", source="x.warc#5")
    with pytest.raises(ValueError, match="not valid gzip"):
        decode_content(b"not gzip", "gzip")


def test_read_record_at_a_wrong_offset_is_a_clear_error(crawled):
    data, _ = crawled
    warc = closed_warcs(data)[0]
    with pytest.raises(ValueError, match=warc.name):
        read_record(warc, 3)


def test_resolve_payload_follows_revisits_across_crawls(crawled_copy, server):
    data, first = crawled_copy
    second = crawl(data, server, "c2", paths=["/report.pdf"])
    with ArchiveWriter(data, crawl_id="c3", warcinfo=WARCINFO) as w:
        not_modified = w.write_exchange(
            fetch(server, "/etag.html", extra_headers=[("If-None-Match", '"v1"')]))
    rev = read_record(data / "warcs" / second["/report.pdf"].filename, second["/report.pdf"].offset)
    original = resolve_payload(data, rev)
    assert original.record_id == first["/report.pdf"].record_id
    assert original.decoded_payload() == server.routes["/report.pdf"].decoded
    nm = read_record(data / "warcs" / not_modified.filename, not_modified.offset)
    assert resolve_payload(data, nm).record_id == first["/etag.html"].record_id
    # without the dedup index the CDXJ indexes still lead to the original
    for p in (data / "indexes").glob("dedup.sqlite*"):
        p.unlink()
    assert resolve_payload(data, rev).record_id == first["/report.pdf"].record_id


def test_iter_data_dir_yields_every_record_in_order(crawled):
    data, locations = crawled
    recs = list(iter_data_dir(data, with_payload=False))
    assert recs[0].rec_type == "warcinfo"
    offsets = [r.offset for r in recs]
    assert offsets == sorted(offsets)
    assert {loc.record_id for loc in locations.values()} <= {r.record_id for r in recs}


def test_cli_show_prints_headers_and_readable_payload(crawled, server):
    data, locations = crawled
    loc = locations["/gzip.html"]
    result = CliRunner().invoke(main, ["archive", "show", "--data", str(data),
                                       f"{loc.filename}#{loc.offset}"])
    assert result.exit_code == 0, result.output
    assert f"WARC-Record-ID: {loc.record_id}" in result.output
    assert "HTTP/1.1 200 OK" in result.output and "Content-Encoding: gzip" in result.output
    assert server.routes["/gzip.html"].decoded.decode("utf-8")[:200] in result.output
    pdf = locations["/report.pdf"]
    summary = CliRunner().invoke(main, ["archive", "show", "--data", str(data),
                                        f"{pdf.filename}#{pdf.offset}"])
    assert "bytes of application/pdf" in summary.output
    raw = CliRunner().invoke(main, ["archive", "show", "--data", str(data), "--raw",
                                    f"{pdf.filename}#{pdf.offset}"])
    assert raw.stdout_bytes == server.routes["/report.pdf"].entity


@pytest.mark.parametrize("arg, message", [("nofile.warc.gz#0", "no such WARC file"),
                                          ("x.warc.gz", "expected FILE#OFFSET")])
def test_cli_show_bad_location(crawled, arg, message):
    data, _ = crawled
    result = CliRunner().invoke(main, ["archive", "show", "--data", str(data), arg])
    assert result.exit_code != 0 and message in result.output


def test_cli_index_rebuilds_lost_indexes(crawled_copy):
    data, _ = crawled_copy
    for p in (data / "indexes").iterdir():
        p.unlink()
    assert not verify_data_dir(data).ok
    result = CliRunner().invoke(main, ["archive", "index", "--data", str(data)])
    assert result.exit_code == 0 and "indexed 1 WARC" in result.output
    assert verify_data_dir(data).ok
    assert (data / "indexes" / "dedup.sqlite").exists()


def test_cli_repair_reports_what_it_did(crawled_copy):
    data, _ = crawled_copy
    assert "nothing to repair" in CliRunner().invoke(
        main, ["archive", "repair", "--data", str(data)]).output
    warc = closed_warcs(data)[0]
    opened = warc.with_name(warc.name + ".open")
    opened.write_bytes(warc.read_bytes() + b"\x1f\x8b\x08\x00torn")
    warc.unlink()
    result = CliRunner().invoke(main, ["archive", "repair", "--data", str(data)])
    assert result.exit_code == 0
    assert f"{warc.name}: kept" in result.output and "dropped 8 byte(s)" in result.output
    assert verify_data_dir(data).ok
