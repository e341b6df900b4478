"""Replay the archive with pywb: build a pywb collection over the data directory, run it on a
loopback port, and make replay URLs (``http://127.0.0.1:PORT/<coll>/<timestamp>id_/<url>``).

The collection only *links* the WARCs and our CDXJ files (symlinks under
``<data>/replay/collections/<coll>/``), so it costs no space and is rebuilt on every start.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from warcio.timeutils import iso_date_to_timestamp

from archive import files

DEFAULT_COLLECTION = "nianbao"
# Talk to our own loopback server directly, whatever http_proxy says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
CONFIG = """# written by nianbao's archive.replay; rebuilt on every start
debug: false
enable_memento: true
framed_replay: true
"""


def build_collection(data_dir: Path, coll: str = DEFAULT_COLLECTION,
                     root: Path | None = None) -> Path:
    """(Re)build ``root/collections/<coll>`` linking the closed WARCs and their indexes."""
    data_dir = Path(data_dir).resolve()
    root = Path(root) if root is not None else data_dir / "replay"
    coll_dir = root / "collections" / coll
    if coll_dir.exists():
        shutil.rmtree(coll_dir)
    (coll_dir / "archive").mkdir(parents=True)
    (coll_dir / "indexes").mkdir()
    for warc in files.closed_warcs(data_dir):
        index = files.cdxj_path(data_dir, warc.name)
        if not index.exists():
            raise ValueError(f"{warc}: no index {index} (run `nianbao archive index`)")
        os.symlink(warc.resolve(), coll_dir / "archive" / warc.name)
        os.symlink(index.resolve(), coll_dir / "indexes" / index.name)
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return root


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def replay_url(port: int, timestamp: str, url: str, *, coll: str = DEFAULT_COLLECTION,
               mode: str = "id_", host: str = "127.0.0.1") -> str:
    """A pywb replay URL; ``id_`` mode serves the archived bytes and headers unrewritten
    (``mode=""`` gives the framed, rewritten view for people). ``timestamp`` may be a WARC-Date.

    A ``server-not-modified`` (304) capture replays as the capture it refers to
    (:mod:`archive.pywb_notmodified`), so its own timestamp is a fine link to the document.
    """
    if "T" in timestamp or "-" in timestamp:
        timestamp = iso_date_to_timestamp(timestamp)
    return f"http://{host}:{port}/{coll}/{timestamp}{mode}/{url}"


class ReplayServer:
    """A pywb (``wayback``) process over a data directory, bound to loopback by default."""

    def __init__(self, data_dir: Path, *, port: int = 0, host: str = "127.0.0.1",
                 coll: str = DEFAULT_COLLECTION):
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port or free_port(host)
        self.coll = coll
        self.root = self.data_dir / "replay"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ReplayServer:
        build_collection(self.data_dir, self.coll, self.root)
        log = open(self.root / "wayback.log", "wb")  # noqa: SIM115 - lives as long as the server
        # pywb's `wayback`, plus replay of 304 captures as the document they confirm
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archive.pywb_notmodified", "-b", self.host, "-p",
             str(self.port), "-d", str(self.root), "-t", "4"],
            cwd=self.root, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        probe = f"http://{self.host}:{self.port}/{self.coll}/"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pywb exited with {self.proc.returncode}: "
                                   f"{(self.root / 'wayback.log').read_text(errors='replace')[-2000:]}")
            try:
                with _DIRECT.open(probe, timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers: up
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"pywb did not answer on {probe} within {timeout:.0f}s")

    def url(self, timestamp: str, url: str, mode: str = "id_") -> str:
        return replay_url(self.port, timestamp, url, coll=self.coll, mode=mode, host=self.host)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> ReplayServer:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
