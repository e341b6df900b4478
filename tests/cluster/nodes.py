"""Real Scrapyd servers on loopback for tests and the benchmark: each in its own folder with its
own ``scrapyd.conf`` (free port, its own eggs/logs/dbs), in its own process group so a test can
kill a node with everything it started (``SIGKILL`` to the group, like a machine that dies).

Scrapyd passes its environment to the crawls it runs, so nodes start without any
``http_proxy``: the crawl's proxy travels with each job as a setting (``NIANBAO_PROXY``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crawler.scrapyd_api import ScrapydNode

CONF = """[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home}/eggs
logs_dir = {home}/logs
dbs_dir = {home}/dbs
items_dir =
jobs_to_keep = 20
poll_interval = 0.5
max_proc = {max_proc}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        env.pop(k, None)
    return env


@dataclass
class LocalNode:
    url: str
    home: Path
    proc: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL the node and every crawl it runs (its process group)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def restart(self, timeout: float = 60) -> None:
        """Kill the node with its crawls and start it again on the same port and folder: a
        Scrapyd restarted by its service manager, which forgets every job it had (its job list
        lives in memory)."""
        self.kill()
        self.proc = start_node(self.home, port=int(self.url.rsplit(":", 1)[1]),
                               timeout=timeout).proc

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def start_node(home: Path, *, max_proc: int = 4, timeout: float = 60,
               port: int | None = None) -> LocalNode:
    home.mkdir(parents=True, exist_ok=True)
    if port is None or not (home / "scrapyd.conf").exists():
        port = port or free_port()
        (home / "scrapyd.conf").write_text(CONF.format(port=port, home=home, max_proc=max_proc))
    log = open(home / "scrapyd.out", "ab")  # noqa: SIM115 - lives as long as the node
    proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=_env(),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    url = f"http://127.0.0.1:{port}"
    client = ScrapydNode(url, timeout=2)
    deadline = time.monotonic() + timeout
    while not client.alive():
        if proc.poll() is not None or time.monotonic() > deadline:
            out = (home / "scrapyd.out").read_text(errors="replace")[-2000:]
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            raise RuntimeError(f"scrapyd in {home} did not start:\n{out}")
        time.sleep(0.2)
    return LocalNode(url, home, proc)


@contextmanager
def local_nodes(n: int, base: Path, *, max_proc: int = 4) -> Iterator[list[LocalNode]]:
    """``n`` Scrapyd servers under ``base/node<i>``, stopped (or killed) when the block ends."""
    nodes: list[LocalNode] = []
    try:
        for i in range(n):
            nodes.append(start_node(base / f"node{i}", max_proc=max_proc))
        yield nodes
    finally:
        for node in nodes:
            node.stop()
