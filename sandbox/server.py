"""The sandbox as an HTTP/1.1 forward proxy on loopback (``GET http://host/path HTTP/1.1``).

Built on the standard library's ``ThreadingHTTPServer`` (one thread per client connection,
keep-alive supported) because the proxy must control the wire byte by byte to misbehave on
purpose: reset connections, truncate bodies, stall, chunk and gzip. Hosts under ``.test``
are answered from the universe; anything else gets 502 and is logged as an escape attempt;
``CONNECT`` is refused with 502 (there is no TLS in the sandbox). ``sandbox.test`` is the
control host: ``/__state``, ``/__truth``, ``/__clock``, ``/__reset``, ``/__registry``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import socket
import struct
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from urllib.robotparser import RobotFileParser

from sandbox.faults import ATTEMPTS, SLOWLORIS, FaultPlan, build_plan
from sandbox.kit import DocumentKit
from sandbox.registry import registry_csv
from sandbox.site import Response, Site
from sandbox.truth import to_json, truth_rows
from sandbox.universe import CONTROL_HOST, Universe, stable_hash
from sandbox.validators import not_modified, not_modified_headers, weaken

DEFAULT_AS_OF = dt.date(2026, 6, 30)
TIMEOUT_STALL_S = 6.0  # a "timeout" fault stalls this long: longer than a sane client timeout
SLOW_STALL_S = 1.5
SLOWLORIS_S = 20.0  # a slow-loris answer dribbles this long, then the connection is closed
SLOWLORIS_STEP = (16, 0.5)  # bytes, seconds


def parse_date(value: str, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} must be YYYY-MM-DD, got {value!r}") from None


class SandboxState:
    """Everything the handler threads share: the world, the clock, the log, fault counters."""

    def __init__(self, universe: Universe, faults: str = "none", latency_ms: float = 0,
                 as_of: dt.date = DEFAULT_AS_OF, kit: DocumentKit | None = None) -> None:
        self.universe = universe
        self.site = Site(universe, kit)
        self.plan: FaultPlan = build_plan(universe, faults)
        self.latency_s = max(0.0, latency_ms / 1000)
        self.as_of = as_of
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.in_flight = 0
        self.log: list[dict[str, Any]] = []
        self.attempts: dict[tuple[str, str], int] = {}
        self._robots: dict[str, RobotFileParser] = {}

    def attempt(self, host: str, target: str) -> int:
        with self.lock:
            n = self.attempts.get((host, target), 0)
            self.attempts[(host, target)] = n + 1
            return n

    def disallowed(self, host: str, url: str) -> bool:
        rp = self._robots.get(host)
        if rp is None:
            rp = RobotFileParser()
            rp.parse(self.site.robots_txt(host).splitlines())
            self._robots[host] = rp
        return not rp.can_fetch("*", url)

    def begin(self) -> None:
        with self.lock:
            self.in_flight += 1

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.log.append(entry)
            self.in_flight -= 1
            self.idle.notify_all()

    def abandon(self) -> None:
        with self.lock:
            self.in_flight -= 1
            self.idle.notify_all()

    def snapshot(self, wait_s: float = 5.0) -> list[dict[str, Any]]:
        """The log once requests already answered are recorded (a client can read its answer
        a moment before the handler thread logs it)."""
        with self.idle:
            self.idle.wait_for(lambda: self.in_flight <= 0, timeout=wait_s)
            return [dict(e) for e in self.log]

    def reset(self, wait_s: float = 5.0) -> None:
        """Clear the log and fault counters, once answered requests are recorded (else a late
        record of an earlier request would land in the fresh log)."""
        with self.idle:
            self.idle.wait_for(lambda: self.in_flight <= 0, timeout=wait_s)
            self.log.clear()
            self.attempts.clear()


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "nginx"
    sys_version = ""
    server: SandboxHTTPServer
    _answering: float | None = None  # when this request's answer began to go out

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the log is /__state
        pass

    # -- dispatch ----------------------------------------------------------------------
    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        self._serve()

    def do_CONNECT(self) -> None:
        start = time.monotonic()
        self._answering = None
        host = self.path.rsplit(":", 1)[0]
        self.server.state.begin()
        sent = self._send_plain(502, "CONNECT is not supported by the sandbox proxy (no TLS)\n")
        self.close_connection = True
        self._record(start, host, self.path, 502, sent, escape=not host.endswith(".test"))

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self, head: bool = False) -> None:
        self._recorded = True  # nothing pending until state.begin()
        try:
            self._serve_logged(head)
        finally:
            if not self._recorded:  # an unexpected error: do not leave the log waiting
                self.server.state.abandon()

    def _serve_logged(self, head: bool) -> None:
        start = time.monotonic()
        self._answering = None
        state = self.server.state
        body_in = self._read_body()
        parts = urlsplit(self.path)
        if parts.scheme:
            host = (parts.hostname or "").lower()
        else:  # origin-form: a client talking to us as if we were the origin
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            if host in ("127.0.0.1", "localhost", ""):
                self._send_plain(400, "this is the nianbao sandbox proxy: send absolute-URI requests\n")
                return
        if parts.scheme not in ("", "http"):
            host = host or parts.scheme
        path = parts.path or "/"
        query = parts.query
        if self.command == "POST" and body_in and "form" in (self.headers.get("Content-Type") or ""):
            query = "&".join(x for x in (query, body_in.decode("latin-1")) if x)
        url = f"http://{host}{path}" + (f"?{query}" if query else "")
        if host == CONTROL_HOST:
            self._control(path, parse_qs(query), head)
            return
        state.begin()
        self._recorded = False
        if not host.endswith(".test") or parts.scheme not in ("", "http"):
            sent = self._send_plain(502, f"sandbox proxy: {host or self.path} is outside the sandbox\n", head)
            self._record(start, host, self.path, 502, sent, escape=True)
            return
        robots_bad = path != "/robots.txt" and state.disallowed(host, url)
        if state.latency_s:
            time.sleep(state.latency_s)
        fault = state.plan.permanent_for(host)
        if fault:
            status, sent = self._permanent(fault, host, head)
            self._record(start, host, url, status, sent, robots=robots_bad, fault=fault)
            return
        target = path + (f"?{query}" if query else "")
        fault = state.plan.transient_for(host, target)
        if fault and state.attempt(host, target) >= ATTEMPTS[fault]:
            fault = None
        try:
            resp = state.site.handle(host, path, query, state.as_of)
        except Exception as exc:  # a bug in a template must not kill the proxy
            resp = Response(500, f"sandbox error: {type(exc).__name__}: {exc}\n".encode(), "text/plain; charset=utf-8")
        status, sent = self._respond(host, target, resp, fault, head)
        self._record(start, host, url, status, sent, robots=robots_bad, fault=fault)

    def _record(self, start: float, host: str, url: str, status: int, sent: int, *,
                escape: bool = False, robots: bool = False, fault: str | None = None) -> None:
        self._recorded = True
        self.server.state.record({
            "host": host, "method": self.command, "url": url, "start": start, "end": time.monotonic(),
            # when the answer began to go out (None: nothing was sent). A sequential client
            # cannot ask again before this, whereas "end" is stamped only once this thread has
            # the GIL back after its last write, which can be after the next request is read.
            "answering": self._answering,
            "status": status, "bytes": sent, "user_agent": self.headers.get("User-Agent", ""),
            "robots_disallowed": robots, "escape": escape, "fault": fault,
            "client": f"{self.client_address[0]}:{self.client_address[1]}",
        })

    # -- writing -----------------------------------------------------------------------
    def _head(self, status: int, headers: list[tuple[str, str]]) -> None:
        date = dt.datetime.combine(self.server.state.as_of, dt.time(12, 0), dt.UTC)
        lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
                 f"Date: {format_datetime(date, usegmt=True)}", "Server: nginx"]
        lines += [f"{k}: {v}" for k, v in headers]
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self._answering is None:
            self._answering = time.monotonic()
        self.wfile.write(data)

    def _send_plain(self, status: int, text: str, head: bool = False) -> int:
        body = text.encode()
        try:
            self._head(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
            if not head:
                self.wfile.write(body)
        except OSError:
            self.close_connection = True
        return 0 if head else len(body)

    def _respond(self, host: str, target: str, resp: Response, fault: str | None, head: bool) -> tuple[int, int]:
        """Write ``resp`` (or the fault instead); (status, body bytes sent)."""
        try:
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return 0, 0
            if fault in ("503", "500"):
                return self._error_page(int(fault), head), 0
            if fault == "429":
                body = "<html><body><h1>429 Too Many Requests</h1>访问过于频繁，请稍后再试。</body></html>".encode()
                self._head(429, [("Content-Type", "text/html; charset=utf-8"), ("Retry-After", "1"),
                                 ("Content-Length", str(len(body)))])
                if not head:
                    self.wfile.write(body)
                return 429, len(body)
            if fault == SLOWLORIS:
                return self._slowloris(resp, head)
            if fault in ("timeout", "slow"):
                # a stalled answer is not "in flight" for the log: /__state need not wait for it
                self.server.state.abandon()
                time.sleep(TIMEOUT_STALL_S if fault == "timeout" else SLOW_STALL_S)
                self.server.state.begin()
            body = resp.body
            headers = [("Content-Type", resp.content_type), *resp.headers]
            h = stable_hash(host, target, "encoding")
            accepts_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
            if accepts_gzip and h % 3 == 0 and fault != "truncated":
                body = gzip.compress(body, mtime=0)
                headers = weaken(headers)  # as nginx's gzip filter does
                headers.append(("Content-Encoding", "gzip"))
                headers.append(("Vary", "Accept-Encoding"))
            if resp.status == 200 and not_modified(
                    self.command, {k.lower(): v for k, v in self.headers.items()}, headers):
                self._head(304, not_modified_headers(headers))
                return 304, 0
            if fault == "truncated":
                self.close_connection = True
                headers.append(("Content-Length", str(len(body))))
                self._head(resp.status, headers)
                cut = body[: max(1, len(body) // 2)]
                if not head:
                    self.wfile.write(cut)
                return resp.status, len(cut)
            if h % 4 == 1 and not head:
                headers.append(("Transfer-Encoding", "chunked"))
                self._head(resp.status, headers)
                for i in range(0, len(body), 4096):
                    chunk = body[i:i + 4096]
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
                return resp.status, len(body)
            headers.append(("Content-Length", str(len(body))))
            self._head(resp.status, headers)
            if not head:
                self.wfile.write(body)
            return resp.status, 0 if head else len(body)
        except OSError:  # the client went away (timeouts, resets): nothing more to say
            self.close_connection = True
            return resp.status, 0

    def _slowloris(self, resp: Response, head: bool) -> tuple[int, int]:
        """Headers at once, then the body ``SLOWLORIS_STEP`` at a time: a client that only
        times out idle reads would wait for ever. Gives up after ``SLOWLORIS_S`` and closes."""
        self.close_connection = True
        self._head(resp.status, [("Content-Type", resp.content_type), *resp.headers,
                                 ("Content-Length", str(len(resp.body)))])
        if head:
            return resp.status, 0
        size, pause = SLOWLORIS_STEP
        sent = 0
        end = time.monotonic() + SLOWLORIS_S
        self.server.state.abandon()  # a dribbling answer is not "in flight" for /__state
        try:
            while sent < len(resp.body) and time.monotonic() < end:
                self.wfile.write(resp.body[sent:sent + size])
                sent += size
                time.sleep(pause)
        except OSError:  # the client gave up, as it should
            pass
        finally:
            self.server.state.begin()
        return resp.status, min(sent, len(resp.body))

    def _error_page(self, status: int, head: bool) -> int:
        body = f"<html><head><title>{status}</title></head><body><h1>{status} {self.responses[status][0]}</h1><hr>nginx</body></html>".encode()
        self._head(status, [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
        if not head:
            self.wfile.write(body)
        return status

    def _permanent(self, fault: str, host: str, head: bool) -> tuple[int, int]:
        """瑞数 412 with an inline ``$_ts`` script, 加速乐 521 with ``__jsluid_s``, or 504."""
        h = stable_hash(host, "challenge")
        if fault == "412":
            status = 412
            body = ("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
                    f"<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={{}};"
                    f"$_ts.nsd={h % 100000};$_ts.cd=\"qxrrrpAlqGqcEaAmqr{h:x}\";</script>"
                    f"<script type=\"text/javascript\" charset=\"utf-8\" src=\"/{h % 10**8:08d}/c.FxJzG50F.dfe1675.js\" r=\"m\"></script>"
                    "</head><body></body></html>").encode()
            headers = [("Set-Cookie", f"FSSBBIl1UgzbN7N80S={h:x}; Path=/; HttpOnly")]
        elif fault == "521":
            status = 521
            body = ("<script>document.cookie=('_')+('_')+('jsl_clearance_s')+('=')+"
                    f"('{h % 10**10}.{h % 997}|0|')+('{h:x}')+';max-age=3600;path=/';"
                    "location.href=location.pathname+location.search</script>").encode()
            headers = [("Set-Cookie", f"__jsluid_s={h:032x}"[:43] + "; max-age=31536000; path=/; HttpOnly")]
        else:
            status = 504
            body = f"sandbox proxy: connecting to {host} timed out\n".encode()
            headers = []
            self.close_connection = True
        try:
            self._head(status, [("Content-Type", "text/html; charset=utf-8"), *headers,
                                ("Content-Length", str(len(body)))])
            if not head:
                self.wfile.write(body)
        except OSError:
            self.close_connection = True
        return status, len(body)

    # -- control host ------------------------------------------------------------------
    def _control(self, path: str, q: dict[str, list[str]], head: bool) -> None:
        state = self.server.state
        try:
            if path == "/__state":
                self._json(200, state.snapshot(), head)
            elif path == "/__truth":
                on = parse_date(q["as_of"][0], "as_of") if q.get("as_of") else state.as_of
                self._json(200, json.loads(to_json(truth_rows(state.universe, state.site, state.plan, on))), head)
            elif path == "/__clock":
                if self.command == "POST":
                    if not q.get("date"):
                        raise ValueError("POST /__clock needs ?date=YYYY-MM-DD")
                    state.as_of = parse_date(q["date"][0])
                self._json(200, {"as_of": state.as_of.isoformat()}, head)
            elif path == "/__reset" and self.command == "POST":
                state.reset()
                self._json(200, {"ok": True}, head)
            elif path == "/__registry":
                body = registry_csv(state.universe).encode()
                self._head(200, [("Content-Type", "text/csv; charset=utf-8"), ("Content-Length", str(len(body)))])
                if not head:
                    self.wfile.write(body)
            else:
                self._json(404, {"error": f"no control endpoint {self.command} {path}"}, head)
        except (ValueError, KeyError) as exc:
            self._json(400, {"error": str(exc)}, head)

    def _json(self, status: int, payload: Any, head: bool) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._head(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        if not head:
            self.wfile.write(body)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        self.state = state
        super().__init__(address, ProxyHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # client disconnects are routine for a proxy that misbehaves on purpose


def make_server(*, host: str = "127.0.0.1", port: int = 8899, seed: int = 1, size: str = "small",
                faults: str = "none", latency_ms: float = 0, as_of: dt.date | str = DEFAULT_AS_OF,
                kit: DocumentKit | None = None) -> SandboxHTTPServer:
    """Generate the universe and bind the proxy (call ``serve_forever`` to answer)."""
    if isinstance(as_of, str):
        as_of = parse_date(as_of, "--as-of")
    universe = Universe(seed, size)
    state = SandboxState(universe, faults, latency_ms, as_of, kit)
    return SandboxHTTPServer((host, port), state)
