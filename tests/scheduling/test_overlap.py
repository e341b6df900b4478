"""Never two crawls of one workflow at once, and a crashed run never blocks the schedule.

The crawls here are real (``nianbao crawl`` subprocesses started by run-due's worker) but go
through a proxy on loopback that accepts connections and never answers, so a run stays "still
going" for as long as the test needs, without a sandbox."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import main

REGISTRY = """agency_id,name,region_code,level,kind,portal_url,report_url,render
320813-gov,洪泽区人民政府,320813,county,government,http://www.hongze.test/,,never
"""
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def silent_proxy():
    """A TCP server that accepts and then says nothing (a hung portal)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def cli(args: list[str], data: Path, now: str):
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env={"NIANBAO_NOW": now})
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def runs(data: Path) -> dict[int, dict]:
    rows = json.loads(cli(["workflow", "runs", "--json"], data, "2027-01-01T00:00:00Z"))
    return {r["run_id"]: r for r in rows}


def crawl_pid(data: Path, crawl_id: str, timeout: float = 90) -> int:
    """The pid of a run's crawl process, once it has started (its RUNNING marker)."""
    marker = data / "crawls" / crawl_id / "RUNNING"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        time.sleep(0.2)
    raise AssertionError(f"crawl {crawl_id} did not start within {timeout} s")


def kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_overlap_is_skipped_and_a_crashed_run_does_not_block(tmp_path, silent_proxy):
    data = tmp_path / "data"
    (tmp_path / "agencies.csv").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "wf.yaml").write_text(
        "name: hourly\nseeds: {registry: agencies.csv}\nschedule: '0 * * * *'\ntimezone: UTC\n"
        f"proxy: {silent_proxy}\nsettings: {{DOWNLOAD_TIMEOUT: 300, RETRY_TIMES: 0}}\n",
        encoding="utf-8")
    cli(["workflow", "apply", str(tmp_path / "wf.yaml")], data, "2027-01-01T00:30:00Z")
    started: list[int] = []
    try:
        first = json.loads(cli(["run-due", "--json"], data, "2027-01-01T01:05:00Z"))["workflows"][0]
        assert first["action"] == "started" and first["slot"] == "2027-01-01T01:00:00+00:00"
        started.append(first["pid"])
        pid1 = crawl_pid(data, first["crawl_id"])
        started.append(pid1)

        # the next slot comes while run 1 is still crawling: skipped, with the reason
        second = json.loads(cli(["run-due", "--json"], data, "2027-01-01T02:05:00Z"))["workflows"][0]
        assert second["action"] == "skipped"
        assert f"previous run {first['run_id']}" in second["detail"]
        assert "still going" in second["detail"]
        again = json.loads(cli(["run-due", "--json"], data, "2027-01-01T02:40:00Z"))["workflows"][0]
        assert again["action"] == "not-due"  # the skipped slot is not retried every pass
        rows = runs(data)
        assert [r["state"] for r in rows.values()] == ["skipped", "running"]

        # a crash (kill -9 of worker and crawl): the dead run no longer counts as going;
        # the daemon's next pass closes it as failed and starts the next slot's run
        kill(started)
        time.sleep(0.5)
        daemon = subprocess.run(
            [sys.executable, "-m", "nianbao", "schedule", "daemon", "--data", str(data),
             "--iterations", "1", "--now", "2027-01-01T03:05:00Z"],
            capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert daemon.returncode == 0, daemon.stderr
        assert "hourly: started" in daemon.stdout
        rows = runs(data)
        crashed = rows[first["run_id"]]
        assert crashed["state"] == "failed" and "is gone" in crashed["reason"]
        assert crashed["ended"]
        third = max(rows.values(), key=lambda r: r["run_id"])
        assert third["state"] == "running" and third["scheduled_for"] == "2027-01-01T03:00:00+00:00"
        started.append(third["pid"])
        pid3 = crawl_pid(data, third["crawl_id"])
        started.append(pid3)
        assert Path(third["log_path"]).read_text(encoding="utf-8").count("nianbao crawl") == 1

        # only the worker dies; its crawl goes on: the run is still going, the next slot skips
        kill([third["pid"]])
        time.sleep(0.5)
        fourth = json.loads(cli(["run-due", "--json"], data, "2027-01-01T04:05:00Z"))["workflows"][0]
        assert fourth["action"] == "skipped" and f"previous run {third['run_id']}" in fourth["detail"]
        assert runs(data)[third["run_id"]]["state"] == "running"
    finally:
        kill(started)
