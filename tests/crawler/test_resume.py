"""Stopping and resuming: SIGTERM stops cleanly and --resume continues from the JOBDIR; kill -9
loses at most what was in flight; neither refetches anything already archived, and the
archive stays valid."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crawler.harness import (
    archived_ok,
    crawl_command,
    env,
    journal,
    run_crawl,
    write_registry,
)

REPLAYABLE = {"ok", "not_found", "redirect", "js_shell"}


def _subset(sb) -> list[str]:
    """Bodies on the Hanweb portal (script lists) and on one own-site static portal."""
    portals = sb.universe.portals
    hanweb = next(h for h, p in portals.items() if p.family == "hanweb")
    static = next(h for h, p in portals.items() if p.family == "static")
    return [a.id for a in sb.universe.agencies.values() if a.host in (hanweb, static)]


def _stop_midway(cmd: list[str], data: Path, crawl_id: str, sig: int, after: int) -> int:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env(), cwd=Path(__file__).resolve().parents[2])
    journal_path = data / "crawls" / crawl_id / "fetched.jsonl"
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if journal_path.exists() and journal_path.read_text().count("\n") >= after:
                break
            time.sleep(0.1)
        assert proc.poll() is None, f"crawl ended before it could be stopped:\n{proc.stderr.read()[-3000:]}"
        proc.send_signal(sig)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode


def _verify(data: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "nianbao", "archive", "verify", "--data", str(data)],
                            capture_output=True, text=True, env=env(), timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("sig,expected_mode", [(signal.SIGTERM, "resume"), (signal.SIGKILL, "recover")])
def test_stop_then_resume_completes_without_refetching(tmp_path, sandbox_factory, sig, expected_mode):
    sb = sandbox_factory(seed=1, size="small", faults="none", latency_ms=40)
    registry = write_registry(sb, tmp_path / "registry.csv")
    data = tmp_path / "data"
    only = ",".join(_subset(sb))
    crawl_id = f"resume-{sig}"
    cmd = crawl_command(registry, data, sb.proxy_url, "--render", "never", "--only", only,
                        "--crawl-id", crawl_id)
    code = _stop_midway(cmd, data, crawl_id, sig, after=60)
    first = journal(data, crawl_id)
    assert len(first) >= 60
    if sig == signal.SIGTERM:
        assert code == 0
        stopped = json.loads((data / "crawls" / crawl_id / "report.json").read_text())
        assert stopped["stopped_by"] == "shutdown" and not stopped["complete"]
    else:
        assert code == -signal.SIGKILL
    done = {r["url"] for r in first if r["class"] in REPLAYABLE and not r.get("truncated")}

    sb.reset_log()
    report = run_crawl(registry, data, sb.proxy_url, "--render", "never", "--resume", crawl_id)
    assert report["mode"] == expected_mode
    assert report["complete"] and report["crawl_id"] == crawl_id
    refetched = sorted({e["url"] for e in sb.state()} & done)
    assert refetched == []

    chosen = set(only.split(","))
    rows = [r for r in sb.truth() if r["agency_id"] in chosen and r["visible_as_of"]]
    wanted = {r["page_url"] for r in rows} | {f for r in rows for f in r["attachment_urls"]}
    assert sorted(wanted - archived_ok(data)) == []
    found = {e["url"] for s in report["seeds"] for e in s["report_pages"]}
    assert {r["page_url"] for r in rows} <= found  # the report covers both runs
    _verify(data)


def test_resume_of_unknown_crawl_is_a_clear_error(tmp_path, sandbox_small):
    registry = write_registry(sandbox_small, tmp_path / "registry.csv")
    cmd = crawl_command(registry, tmp_path / "data", sandbox_small.proxy_url, "--resume", "nope")
    result = subprocess.run(cmd, capture_output=True, text=True, env=env(), timeout=120)
    assert result.returncode != 0
    assert "cannot resume crawl nope" in result.stderr
