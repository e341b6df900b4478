"""A writer killed with SIGKILL mid-write leaves files that repair makes valid, keeping every
record completed before the kill; a live writer's file is never touched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from archive.files import closed_warcs, open_warcs
from archive.reader import read_record
from archive.repair import repair_data_dir, repair_file
from archive.verify import verify_data_dir
from archive.writer import ArchiveWriter
from tests.archive.conftest import WARCINFO
from tests.archive.rawserver import fetch

WRITER = textwrap.dedent("""
    import json, os, sys
    from datetime import datetime, UTC
    from pathlib import Path
    from archive.exchange import Exchange
    from archive.writer import ArchiveWriter
    w = ArchiveWriter(Path(sys.argv[1]), crawl_id="killed", warcinfo={"operator": "t"},
                      max_size=6_000_000)
    i = 0
    while True:
        body = os.urandom(1_500_000) + str(i).encode()   # incompressible: slow to gzip
        ex = Exchange(url=f"http://example.test/doc{i}.pdf", method="GET", request_headers=[],
                      request_body=b"", status=200, reason="OK", http_version="HTTP/1.1",
                      response_headers=[("Content-Type", "application/pdf")], body=body,
                      fetched_at=datetime.now(UTC), metadata={"n": i})
        loc = w.write_exchange(ex)
        print(json.dumps([loc.filename, loc.offset, loc.record_id, loc.digest]), flush=True)
        i += 1
""")


def _kill_mid_write(data: Path, delay: float) -> list[list]:
    """Run a writer, SIGKILL it ``delay`` s after its 6th exchange; what it reported done."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data)],
                            stdout=subprocess.PIPE, text=True)
    done = []
    assert proc.stdout is not None
    while len(done) < 6:
        line = proc.stdout.readline()
        assert line, "writer died on its own"
        done.append(json.loads(line))
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # what it reported before dying was complete too
    done += [json.loads(line) for line in proc.stdout.read().splitlines() if line.strip()]
    return done


def test_sigkill_mid_write_then_repair_keeps_every_completed_record(tmp_path, venv_bin):
    torn_seen = False
    for attempt, delay in enumerate((0.05, 0.03, 0.08)):  # the kill must land mid-record once
        data = tmp_path / f"run{attempt}"
        done = _kill_mid_write(data, delay)
        assert open_warcs(data), "the killed writer should leave an .open file"
        results = repair_data_dir(data)
        assert results and not open_warcs(data)
        torn_seen = torn_seen or any(r.bytes_dropped > 0 for r in results)
        for filename, offset, record_id, digest in done:
            rec = read_record(data / "warcs" / filename, offset)
            assert rec.record_id == record_id
            assert rec.header("WARC-Payload-Digest") == digest
        report = verify_data_dir(data)
        assert report.ok, [str(p) for p in report.problems]
        check = subprocess.run([str(venv_bin / "warcio"), "check", *map(str, closed_warcs(data))])
        assert check.returncode == 0
        if torn_seen:
            break
    assert torn_seen, "no kill landed inside a record; the torn case was not exercised"


def _torn_copy(crawled, tmp_path: Path, cut: int) -> tuple[Path, int, int]:
    """A data dir whose only WARC is renamed .open and gets ``cut`` bytes of an extra record."""
    data, _ = crawled
    warc = closed_warcs(data)[0]
    dest = tmp_path / "data"
    (dest / "warcs").mkdir(parents=True)
    raw = warc.read_bytes()
    # the last gzip member of the original (a metadata record), re-appended partially
    last_offset = max(loc.offset for loc in crawled[1].values())
    tail = raw[last_offset:]
    torn = dest / "warcs" / (warc.name + ".open")
    torn.write_bytes(raw + tail[:cut])
    return dest, len(raw), len(tail)


def test_repair_cuts_exactly_the_torn_tail(crawled, tmp_path):
    dest, good_size, _ = _torn_copy(crawled, tmp_path, cut=40)
    result = repair_data_dir(dest)[0]
    assert result.path is not None and result.path.stat().st_size == good_size
    assert result.bytes_dropped == 40
    assert verify_data_dir(dest).ok


def test_next_writer_repairs_leftovers_on_start(crawled, tmp_path, server):
    dest, good_size, _ = _torn_copy(crawled, tmp_path, cut=100)
    with ArchiveWriter(dest, crawl_id="next", warcinfo=WARCINFO) as w:
        assert [r.records_kept > 0 for r in w.repaired] == [True]
        loc = w.write_exchange(fetch(server, "/plain.html"))
    assert loc.is_revisit            # the repaired file's records feed dedup
    assert not open_warcs(dest) and len(closed_warcs(dest)) == 2
    assert verify_data_dir(dest).ok


def test_live_writer_file_is_left_alone(tmp_path, server):
    with ArchiveWriter(tmp_path, crawl_id="live", warcinfo=WARCINFO) as w:
        w.write_exchange(fetch(server, "/plain.html"))
        live = open_warcs(tmp_path)
        size = live[0].stat().st_size
        result = repair_file(live[0])
        assert result.skipped_live and live[0].exists() and live[0].stat().st_size == size
        w.write_exchange(fetch(server, "/gzip.html"))
    assert verify_data_dir(tmp_path).ok


def test_file_without_a_complete_record_is_removed(tmp_path):
    (tmp_path / "warcs").mkdir()
    junk = tmp_path / "warcs" / "NIANBAO-20240101000000-00000-h.warc.gz.open"
    junk.write_bytes(b"\x1f\x8b\x08\x00partial")
    result = repair_file(junk)
    assert result.path is None and not junk.exists()
