"""Helpers of the kill-and-resume scenarios: run a ``nianbao`` command in its own process group,
SIGKILL the whole group at a chosen moment, and read back what the archive and catalog hold.

The group is killed, not just the command, because ``nianbao index`` parses in worker
processes (and LibreOffice): a machine losing power or an OOM kill takes them all at once.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.crawler.harness import env

ROOT = Path(__file__).resolve().parents[2]


def nianbao(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``nianbao ARGS`` to its end; the test fails with its stderr if it fails."""
    result = subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True,
                            text=True, timeout=timeout, env=env(), cwd=ROOT)
    assert result.returncode == 0, f"nianbao {' '.join(args)}:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
    return result


def start(cmd: list[str]) -> subprocess.Popen:
    """Start ``cmd`` in a new session (its own process group), output discarded."""
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(),
                            cwd=ROOT, start_new_session=True)


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], *, deadline_s: float = 300) -> bool:
    """SIGKILL ``proc``'s process group once ``ready()`` holds; False if it ended first."""
    end = time.monotonic() + deadline_s
    while proc.poll() is None and time.monotonic() < end:
        if ready():
            break
        time.sleep(0.02)
    if proc.poll() is not None:
        return False
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    proc.wait(timeout=60)
    return proc.returncode == -signal.SIGKILL


def journal_rows(path: Path) -> list[dict[str, Any]]:
    """The complete lines of a crawl journal (``fetched.jsonl``); a torn last line is skipped."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows


def warc_records(data: Path) -> list[dict[str, Any]]:
    """Every record of every closed WARC: file, offset, type, target URI, payload digest."""
    from warcio.archiveiterator import ArchiveIterator

    out = []
    for path in sorted((data / "warcs").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for rec in it:
                out.append({
                    "file": path.name, "offset": it.get_record_offset(), "type": rec.rec_type,
                    "uri": rec.rec_headers.get_header("WARC-Target-URI"),
                    "digest": rec.rec_headers.get_header("WARC-Payload-Digest"),
                    "status": rec.http_headers.get_statuscode() if rec.http_headers else None,
                })
    return out


def duplicate_payloads(records: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(URI, payload digest, count) archived in full more than once (revisits do not count)."""
    counts = Counter((r["uri"], r["digest"]) for r in records if r["type"] == "response")
    return sorted((u, d, n) for (u, d), n in counts.items() if n > 1)


def catalog_snapshot(data: Path, status: list[dict[str, Any]]) -> dict[str, Any]:
    """What a user reads from a catalog, without what differs between two honest runs (record
    ids, WARC names, capture times): reports, their tables and checks, parsed documents, and
    the status of every expected report."""
    conn = sqlite3.connect(f"file:{data / 'catalog.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        reports = []
        for r in conn.execute("select * from reports order by report_id"):
            attachments = sorted((a["url"], a["digest"]) for a in json.loads(r["attachments"] or "[]"))
            reports.append((r["report_id"], r["title"], r["published"], r["published_source"],
                            r["url"], r["digest"], r["withdrawn"], r["changed"], attachments))
        tables = sorted(tuple(r) for r in conn.execute(
            "select report_id, table_name, row_key, column_key, value from report_tables"))
        checks = sorted(tuple(r) for r in conn.execute("select report_id, rule, ok from report_checks"))
        documents = sorted(tuple(r) for r in conn.execute(
            "select digest, format, kind, is_report, title from documents"))
    finally:
        conn.close()
    statuses = sorted((s["agency_id"], s["year"], s["status"], s["published"], s["url"] or "")
                      for s in status)
    return {"reports": reports, "report_tables": tables, "report_checks": checks,
            "documents": documents, "status": statuses}


def differences(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Per part of two snapshots, a few rows only in each (empty when they are equal)."""
    out = {}
    for key in a:
        left, right = set(map(repr, a[key])), set(map(repr, b[key]))
        if left != right:
            out[key] = {"only_uninterrupted": sorted(left - right)[:5],
                        "only_killed": sorted(right - left)[:5]}
    return out
