"""Hostile web servers and crawl helpers for the reliability suite.

:class:`HostileServer` serves Python callables on a loopback port (``ThreadingHTTPServer``), so a
test can answer with endless redirects, traps, huge bodies or lying charsets and count what the
crawler asked for. :func:`crawl` runs ``nianbao crawl`` in a subprocess with no proxy, as a user
would; because the production SSRF guard refuses loopback, the test configuration allows it
explicitly with ``NIANBAO_ADDRESS_ALLOW`` (a switch that tests/reliability/test_security_ssrf.py
tests itself).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.crawler.harness import TEST_SETTINGS, env

REPO = Path(__file__).resolve().parents[2]
LOOPBACK_ALLOWED = {"NIANBAO_ADDRESS_ALLOW": ["127.0.0.0/8", "::1/128"]}

# (status, headers, body) or a callable writing the answer itself
Answer = tuple[int, list[tuple[str, str]], bytes]
Route = Callable[[BaseHTTPRequestHandler], Answer | None]


def html(body: str, *, charset: str = "utf-8", title: str = "") -> bytes:
    return (f"<html><head><meta charset=\"{charset}\"><title>{title}</title></head>"
            f"<body>{body}</body></html>").encode(charset, "replace")


class HostileServer:
    """A loopback HTTP server whose paths are answered by ``routes`` (exact path or prefix
    ending in ``*``); every request path is logged in ``hits``."""

    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1"):
        self.routes = routes
        self.hits: list[str] = []
        self.headers: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.hits.append(self.path)
                outer.headers.append({k: v for k, v in self.headers.items()})
                route = outer.routes.get(self.path.split("?")[0]) or outer.routes.get(self.path)
                if route is None:
                    for key, fn in outer.routes.items():
                        if key.endswith("*") and self.path.startswith(key[:-1]):
                            route = fn
                            break
                answer = route(self) if route else (404, [("Content-Type", "text/plain")], b"no")
                if answer is None:
                    return  # the route wrote its own answer
                status, headers, body = answer
                try:
                    self.send_response(status)
                    for k, v in headers:
                        self.send_header(k, v)
                    if not any(k.lower() == "content-length" for k, _ in headers):
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def robots(_: BaseHTTPRequestHandler) -> Answer:
    return 200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n"


def registry(path: Path, portal_url: str, *, agency_id: str = "640300-zf",
             name: str = "吴忠市人民政府") -> Path:
    path.write_text("agency_id,name,region_code,level,kind,portal_url,report_url,render\n"
                    f"{agency_id},{name},640300,city,government,{portal_url},,never\n",
                    encoding="utf-8")
    return path


def crawl(reg: Path, data: Path, *extra: str, settings: dict[str, Any] | None = None,
          proxy: str | None = None, timeout: float = 180) -> tuple[dict[str, Any], float, float]:
    """Run ``nianbao crawl`` without a proxy (unless given); return (report, seconds, peak MB of
    the crawl process, its polled VmHWM). Killed after ``timeout``."""
    cmd = [sys.executable, "-m", "nianbao", "crawl", "--registry", str(reg), "--data", str(data),
           "--no-progress", "--json", "--render", "never", *extra]
    if proxy:
        cmd += ["--proxy", proxy]
    for key, value in {**TEST_SETTINGS, **(settings or {})}.items():
        cmd += ["-s", f"{key}={json.dumps(value)}"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env(), cwd=REPO)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        peak = [0]
        watcher = threading.Thread(target=_watch_hwm, args=(proc.pid, peak), daemon=True)
        watcher.start()
        try:
            _, status, _ = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode("utf-8", "replace")
    assert proc.returncode == 0, f"crawl failed ({proc.returncode}):\n{stderr[-4000:]}"
    return json.loads(stdout), seconds, peak[0] / 1024


def _watch_hwm(pid: int, peak: list[int]) -> None:
    """Poll the crawl's VmHWM (its own peak RSS; ru_maxrss would include the forked test
    process it was exec'd from). VmHWM only grows, so the last read is within a poll of the end."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]))
        time.sleep(0.1)


def items(data: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted((data / "crawls").glob("*/items.jsonl")):
        out += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return out


def failures(data: Path) -> list[dict[str, Any]]:
    return [it for it in items(data) if it.get("type") == "failure"]
