"""verify finds what can go wrong with an archive, and says where; the CLI exits non-zero."""

from __future__ import annotations

import gzip
from pathlib import Path

from click.testing import CliRunner

from archive.files import closed_warcs
from archive.members import iter_members
from archive.verify import verify_data_dir
from nianbao.cli import main


def _members(warc: Path) -> list[tuple[int, int]]:
    return [(m.offset, m.length) for m in iter_members(warc)]


def _rewrite(warc: Path, change) -> None:
    """Rewrite ``warc`` member by member; ``change(offset, raw_member)`` returns new bytes."""
    raw = warc.read_bytes()
    warc.write_bytes(b"".join(change(off, raw[off:off + n]) for off, n in _members(warc)))


def test_clean_archive_verifies(crawled):
    data, locations = crawled
    report = verify_data_dir(data)
    assert report.ok, [str(p) for p in report.problems]
    assert report.records == 1 + 3 * len(locations)


def test_flipped_byte_in_a_body_is_a_digest_failure(crawled_copy):
    data, locations = crawled_copy
    loc = locations["/report.pdf"]
    warc = data / "warcs" / loc.filename

    def flip(offset: int, member: bytes) -> bytes:
        if offset != loc.offset:
            return member
        rec = bytearray(gzip.decompress(member))
        rec[-100] ^= 0x01     # inside the PDF body; gzip framing stays valid
        return gzip.compress(bytes(rec))

    _rewrite(warc, flip)
    report = verify_data_dir(data)
    messages = [str(p) for p in report.problems if loc.record_id in str(p)]
    assert any("block digest mismatch" in m for m in messages)
    assert any("payload digest mismatch" in m for m in messages)


def test_flipped_byte_in_compressed_data_is_found(crawled_copy):
    data, locations = crawled_copy
    loc = locations["/gzip.html"]
    warc = data / "warcs" / loc.filename
    raw = bytearray(warc.read_bytes())
    raw[loc.offset + loc.length // 2] ^= 0xFF
    warc.write_bytes(bytes(raw))
    report = verify_data_dir(data)
    assert not report.ok
    assert any(p.offset == loc.offset for p in report.problems)


def test_missing_response_is_reported(crawled_copy):
    data, locations = crawled_copy
    loc = locations["/plain.html"]
    _rewrite(data / "warcs" / loc.filename,
             lambda offset, member: b"" if offset == loc.offset else member)
    report = verify_data_dir(data)
    texts = [str(p) for p in report.problems]
    assert any("request has no response" in t and loc.record_id in t for t in texts)
    assert any("index does not match" in t for t in texts)


def test_stale_index_is_reported(crawled_copy):
    data, _ = crawled_copy
    index = next((data / "indexes").glob("*.cdxj"))
    lines = index.read_text().splitlines(keepends=True)
    index.write_text("".join(lines[1:]))
    report = verify_data_dir(data)
    assert [p.path for p in report.problems] == [index.name]


def test_cli_verify_exit_codes_and_list(crawled_copy):
    data, locations = crawled_copy
    ok = CliRunner().invoke(main, ["archive", "verify", "--data", str(data)])
    assert ok.exit_code == 0, ok.output
    assert "0 problem(s)" in ok.output
    warc = closed_warcs(data)[0]
    warc.write_bytes(warc.read_bytes()[:-10])   # cut the end of the last record
    bad = CliRunner().invoke(main, ["archive", "verify", "--data", str(data)])
    assert bad.exit_code == 1
    assert f"FAIL {warc.name}#" in bad.output and "torn" in bad.output
