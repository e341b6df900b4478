"""Repair next to a live writer: a WARC the writer has just created must never be taken for a
crashed writer's leftover. Repair skips files a writer holds ``flock``ed; a file created but not
yet locked was, for a moment, an empty ``.open`` file any repair (another crawl starting, a
user's ``nianbao archive repair``) would delete, and the writer then archived into a deleted
file: every record of that file lost."""

from __future__ import annotations

import fcntl
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from archive import writer as writer_module
from archive.exchange import Exchange
from archive.files import closed_warcs
from archive.reader import read_record
from archive.repair import repair_data_dir
from archive.verify import verify_data_dir
from archive.writer import ArchiveWriter


def test_repair_between_a_new_files_creation_and_its_lock_loses_nothing(tmp_path, monkeypatch):
    data = tmp_path / "data"
    real_flock = fcntl.flock
    repairs: list[list] = []

    def flock_after_a_repair(fd, op):  # another process repairs at the worst moment
        if op & fcntl.LOCK_EX and not repairs:
            repairs.append("running")
            monkeypatch.setattr(fcntl, "flock", real_flock)  # the repair's own locks are real
            repairs.append(repair_data_dir(data))
        return real_flock(fd, op)

    monkeypatch.setattr(writer_module.fcntl, "flock", flock_after_a_repair)
    with ArchiveWriter(data, crawl_id="live", warcinfo={"operator": "t"}) as w:
        ex = Exchange(url="http://example.test/report.html", method="GET", request_headers=[],
                      request_body=b"", status=200, reason="OK", http_version="HTTP/1.1",
                      response_headers=[("Content-Type", "text/html")],
                      body="<html>2024年政府信息公开工作年度报告</html>".encode(),
                      fetched_at=datetime.now(UTC), metadata={})
        loc = w.write_exchange(ex)
    assert repairs  # the repair really ran in between
    assert [p.name for p in closed_warcs(data)] == [loc.filename]
    rec = read_record(Path(data / "warcs" / loc.filename), loc.offset)
    assert rec.header("WARC-Target-URI") == "http://example.test/report.html"
    assert verify_data_dir(data).ok
    assert not [p for p in (data / "warcs").iterdir() if p.name.startswith(".")]  # no leftovers


def _exited_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_repair_removes_what_a_writer_killed_while_creating_a_file_left(tmp_path):
    data = tmp_path / "data"
    (data / "warcs").mkdir(parents=True)
    dead_pid = _exited_pid()
    dead = data / "warcs" / f".{dead_pid}-1.creating"
    dead.touch()
    mine = data / "warcs" / f".{os.getpid()}-1.creating"  # a live writer's, not locked yet
    mine.touch()
    repair_data_dir(data)
    assert not dead.exists() and mine.exists()
    mine.unlink()
    with ArchiveWriter(data, crawl_id="live", warcinfo={"operator": "t"}) as w:
        w.write_exchange(Exchange(url="http://example.test/", method="GET", request_headers=[],
                                  request_body=b"", status=200, reason="OK",
                                  http_version="HTTP/1.1", response_headers=[],
                                  body=b"<html></html>", fetched_at=datetime.now(UTC), metadata={}))
        assert w.current_file is not None
        repair_data_dir(data)  # next to a live writer: its file stays open and whole
        assert w.current_file.exists()
