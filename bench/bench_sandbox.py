"""Sandbox: time to generate a universe and answer its first request, and pages per second.

Peer: Python's own ``http.server`` serving a static copy of the same pages (written to a
temporary directory first), driven by the same client over keep-alive connections — so the
ratio shows what the proxy's routing, clock and lazy rendering cost over plain file serving.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import Row, measure


def _fetch_all(host: str, port: int, targets: list[tuple[str, str]], absolute: bool,
               keep_alive: bool = True) -> float:
    """Requests per second for GETting every (host, path), over one keep-alive connection or
    a new connection per request."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    start = time.perf_counter()
    for h, path in targets:
        if not keep_alive:
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=60)
        conn.request("GET", f"http://{h}{path}" if absolute else f"/{h}{path}")
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"bench: {h}{path} answered {resp.status}")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(targets) / elapsed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(quick: bool) -> list[Row]:
    from sandbox.server import make_server
    from sandbox.universe import Universe

    size = "small" if quick else "medium"
    with measure() as m_gen:
        server = make_server(port=0, size=size)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.server_address[1]
        _fetch_all("127.0.0.1", port, [("www.wuzhong.gov.test", "/")], absolute=True)
    u: Universe = server.state.universe
    on = server.state.as_of
    pages = [(r.host, r.page_path) for r in u.reports.values() if r.visible(on)]
    pages = pages[: 60 if quick else 400]
    _fetch_all("127.0.0.1", port, pages[:20], absolute=True)  # warm the content cache
    ours_rps = _fetch_all("127.0.0.1", port, pages, absolute=True)
    ours_rps_new = _fetch_all("127.0.0.1", port, pages, absolute=True, keep_alive=False)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for host, path in pages:
            dest = root / host / path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(server.state.site.handle(host, path, "", on).body)
        server.shutdown()
        server.server_close()
        peer_port = _free_port()
        with measure() as m_peer_start:
            proc = subprocess.Popen(
                [sys.executable, "-m", "http.server", str(peer_port), "--bind", "127.0.0.1", "--protocol", "HTTP/1.1"],
                cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                for _ in range(200):
                    try:
                        _fetch_all("127.0.0.1", peer_port, [pages[0]], absolute=False)
                        break
                    except OSError:
                        time.sleep(0.05)
            except BaseException:
                proc.kill()
                raise
        try:
            peer_rps = _fetch_all("127.0.0.1", peer_port, pages, absolute=False)
            peer_rps_new = _fetch_all("127.0.0.1", peer_port, pages, absolute=False, keep_alive=False)
        finally:
            proc.kill()
            proc.wait()
    notes = f"{size}: {len(u.agencies)} agencies, {u.document_count()} documents"
    return [
        Row("sandbox", "generate + first answer", m_gen.wall, "s", "http.server start", m_peer_start.wall,
            target="< 30 s (medium)", notes=notes),
        Row("sandbox", "report pages/s (1 client, keep-alive)", ours_rps, "req/s", "http.server static copy",
            peer_rps, notes=f"{len(pages)} pages; http.server waits on Nagle/delayed ACK here"),
        Row("sandbox", "report pages/s (new connection each)", ours_rps_new, "req/s", "http.server static copy",
            peer_rps_new, notes=f"{len(pages)} pages"),
    ]
