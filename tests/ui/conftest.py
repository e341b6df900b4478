"""Running UIs for the tests, stopped after use.

``ui``: Datasette as ``nianbao serve`` starts it, over a small hand-built catalog (fast, exact
HTTP checks). ``demo``: the real ``nianbao serve --replay`` over the demo's catalog, built by
the same function ``nianbao demo`` uses (sandbox, a crawl, index, status), for the browser tests.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from catalog.compute import compute_status
from catalog.db import catalog_path, open_catalog
from nianbao.commands.serve import datasette_command
from tests.catalog.sample import AS_OF_TEXT, build_sample_catalog

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# One crawl, on the last of the demo's days: the same code path as `make demo` with a third of
# its crawls, so the session pays for one crawl of the small sandbox universe, not three.
DEMO_DAYS = (dt.date(2026, 6, 30),)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, str]:
    try:
        with DIRECT.open(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({proc.returncode})")
        try:
            get(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url}: no answer within {timeout:.0f}s")


@contextmanager
def nianbao_serve(data: Path, *args: str, host: str = "127.0.0.1") -> Iterator[str]:
    """``nianbao serve --data DATA ARGS`` as a user runs it; stopped as Ctrl-C stops it (SIGINT
    to its process group, so Datasette and pywb stop with it). Yields the base URL."""
    port = free_port(host)
    cmd = [sys.executable, "-m", "nianbao", "serve", "--data", str(data), "--port", str(port),
           *args]
    log = tempfile.TemporaryFile()  # not a pipe: nobody reads it while the server runs
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://{host}:{port}"
    try:
        try:
            wait_until_up(base + "/-/versions.json", proc)
        except RuntimeError as exc:
            log.seek(0)
            raise RuntimeError(f"{exc}\n{log.read()[-3000:].decode('utf-8', 'replace')}") from None
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def ui_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("ui-data")
    build_sample_catalog(data)
    db = open_catalog(data)
    compute_status(db, as_of=dt.date.fromisoformat(AS_OF_TEXT))
    db.close()
    return data


@pytest.fixture(scope="session")
def ui(ui_data, tmp_path_factory):
    port = free_port()
    work = tmp_path_factory.mktemp("ui-work")
    cmd = datasette_command(catalog_path(ui_data), host="127.0.0.1", port=port, public=False,
                            replay_url="http://127.0.0.1:9/nianbao", workdir=work)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/-/versions.json", proc)
    yield base
    proc.terminate()
    proc.wait(10)


@dataclass
class Demo:
    """A served demo catalog: its base URL, data directory and ``nianbao status`` rows."""

    base: str
    data: Path
    rows: list[dict]
    build_seconds: float


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Iterator[Demo]:
    from nianbao.commands.demo import build_demo_data

    data = tmp_path_factory.mktemp("demo") / "data"
    started = time.monotonic()
    built = build_demo_data(data, size="small", faults="some", seed=1, days=DEMO_DAYS)
    took = time.monotonic() - started
    with nianbao_serve(data, "--replay") as base:
        yield Demo(base, data, built.rows, took)
