"""A tiny raw-socket HTTP/1.1 server for the archive tests.

Raw sockets (not http.server) so the tests control every byte on the wire: gzip-encoded
bodies, chunked bodies with odd chunk sizes and extensions, chunked+gzip, repeated headers,
304 answers to conditional requests. Each route remembers the entity body it served (transfer
coding removed, content coding kept): the bytes WARC payload digests are defined over.
"""

from __future__ import annotations

import gzip
import http.client
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from archive.exchange import Exchange


@dataclass
class Route:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    entity: bytes              # body as served, content coding applied, not chunked
    chunked: bool = False
    etag: str | None = None

    @property
    def decoded(self) -> bytes:
        if any(k.lower() == "content-encoding" and v == "gzip" for k, v in self.headers):
            return gzip.decompress(self.entity)
        return self.entity


def chunk(data: bytes) -> bytes:
    """Chunked transfer coding with uneven chunk sizes, an extension and a trailer."""
    sizes = [1, 7, 4096, 13, 65536]
    out, pos, i = bytearray(), 0, 0
    while pos < len(data):
        n = sizes[i % len(sizes)]
        part = data[pos:pos + n]
        ext = ";name=value" if i == 2 else ""
        out += f"{len(part):x}{ext}\r\n".encode() + part + b"\r\n"
        pos += n
        i += 1
    return bytes(out) + b"0\r\nX-Trailer: done\r\n\r\n"


class RawHTTPServer:
    """Serves ``routes`` on 127.0.0.1:<ephemeral> one request per connection."""

    def __init__(self, routes: dict[str, Route]):
        self.routes = routes
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.wire: dict[str, bytes] = {}
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    data += piece
                head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
                if not head or len(head[0].split(" ")) < 3:
                    continue
                path = head[0].split(" ")[1]
                req_headers = {k.strip().lower(): v.strip() for k, _, v in
                               (line.partition(":") for line in head[1:])}
                conn.sendall(self._answer(path, req_headers))

    def _answer(self, path: str, req_headers: dict[str, str]) -> bytes:
        route = self.routes.get(path)
        if route is None:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        if route.etag and req_headers.get("if-none-match") == route.etag:
            wire = (f"HTTP/1.1 304 Not Modified\r\nETag: {route.etag}\r\n"
                    "Connection: close\r\n\r\n").encode()
            self.wire[path + "#304"] = wire
            return wire
        lines = [f"HTTP/1.1 {route.status} {route.reason}", *(f"{k}: {v}" for k, v in route.headers)]
        if route.etag:
            lines.append(f"ETag: {route.etag}")
        if route.chunked:
            lines.append("Transfer-Encoding: chunked")
            body = chunk(route.entity)
        else:
            lines.append(f"Content-Length: {len(route.entity)}")
            body = route.entity
        lines.append("Connection: close")
        wire = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self.wire[path] = wire
        return wire

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def fetch(server: RawHTTPServer, path: str, *, extra_headers: list[tuple[str, str]] | None = None,
          metadata: dict[str, object] | None = None) -> Exchange:
    """GET ``path`` with http.client (de-chunks, keeps content coding) into an Exchange."""
    headers = [("User-Agent", "nianbao-test/1 (+http://127.0.0.1/contact)"),
               ("Accept-Encoding", "gzip, deflate"), *(extra_headers or [])]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    for k, v in headers:
        conn.putheader(k, v)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    ex = Exchange(
        url=server.url(path), method="GET",
        request_headers=[("Host", f"127.0.0.1:{server.port}"), *headers], request_body=b"",
        status=resp.status, reason=resp.reason, http_version="HTTP/1.1",
        response_headers=resp.getheaders(), body=body, fetched_at=datetime.now(UTC),
        ip_address="127.0.0.1", metadata=dict(metadata or {"via": "seed", "hops": 0}))
    conn.close()
    return ex
