"""A running `nianbao serve`-equivalent Datasette over a sample catalog, stopped after use."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
import urllib.request

import pytest

from catalog.compute import compute_status
from catalog.db import catalog_path, open_catalog
from nianbao.commands.serve import datasette_command
from tests.catalog.sample import AS_OF_TEXT, build_sample_catalog

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with DIRECT.open(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


@pytest.fixture(scope="session")
def ui(tmp_path_factory):
    data = tmp_path_factory.mktemp("ui-data")
    build_sample_catalog(data)
    db = open_catalog(data)
    compute_status(db, as_of=dt.date.fromisoformat(AS_OF_TEXT))
    db.close()
    port = free_port()
    work = tmp_path_factory.mktemp("ui-work")
    cmd = datasette_command(catalog_path(data), host="127.0.0.1", port=port, public=False,
                            replay_url="http://127.0.0.1:9/nianbao", workdir=work)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(base + "/-/versions.json", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode()) from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(10)
