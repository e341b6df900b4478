"""Stopping ``nianbao serve`` stops what it started. A service manager or ``kill PID`` signals
the ``nianbao`` process alone, not its process group: Datasette and pywb must not be left
running, holding their ports, after it is gone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.ui.conftest import free_port, wait_until_up


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_to_serve_alone_stops_datasette_and_pywb(ui_data, sig):
    port, replay_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao", "serve", "--data", str(ui_data), "--port", str(port),
         "--replay", "--replay-port", str(replay_port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/-/versions.json", proc)
        assert _answers(replay_port), "pywb is not up"
        proc.send_signal(sig)  # to nianbao alone, as `kill PID` does
        proc.wait(30)
        deadline = time.monotonic() + 15
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(proc.pid), "a child of nianbao serve outlived it"
        assert not _answers(port) and not _answers(replay_port)
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
