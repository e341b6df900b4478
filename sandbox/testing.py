"""Run the sandbox proxy inside the current process, for tests, the demo and benchmarks.

    with running_sandbox(seed=1, size="small") as sb:
        os.environ["http_proxy"] = sb.proxy_url
        ...
        assert sb.truth()[0]["expected_status"] ...

The server runs in a daemon thread on an ephemeral loopback port; ``stop()`` (or leaving
the ``with`` block) shuts it down and closes the socket.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.kit import DocumentKit
from sandbox.server import SandboxHTTPServer, make_server, parse_date
from sandbox.truth import truth_rows
from sandbox.universe import Universe


class SandboxHandle:
    """A running sandbox: its proxy URL, its universe, and the control operations."""

    def __init__(self, server: SandboxHTTPServer) -> None:
        self.server = server
        self.universe: Universe = server.state.universe
        host, port = server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        self.proxy_url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"sandbox-{port}", daemon=True)
        self._thread.start()
        self._stopped = False

    @property
    def site(self) -> Any:
        return self.server.state.site

    @property
    def plan(self) -> Any:
        return self.server.state.plan

    def state(self) -> list[dict[str, Any]]:
        """The request log (a copy): one dict per request the proxy answered."""
        return self.server.state.snapshot()

    def truth(self, as_of: dt.date | str | None = None) -> list[dict[str, Any]]:
        """Ground truth as of ``as_of`` (default: the server clock)."""
        on = self.server.state.as_of if as_of is None else (
            parse_date(as_of, "as_of") if isinstance(as_of, str) else as_of)
        rows = truth_rows(self.universe, self.server.state.site, self.server.state.plan, on)
        return json.loads(json.dumps(rows))  # the same shapes as over HTTP

    def set_clock(self, date: dt.date | str) -> None:
        self.server.state.as_of = parse_date(date, "date") if isinstance(date, str) else date

    @property
    def as_of(self) -> dt.date:
        return self.server.state.as_of

    def reset_log(self) -> None:
        self.server.state.reset()

    def opener(self) -> urllib.request.OpenerDirector:
        """A urllib opener that goes through this proxy (handy in tests)."""
        return urllib.request.build_opener(urllib.request.ProxyHandler({"http": self.proxy_url}))

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def running_sandbox(seed: int = 1, size: str = "small", faults: str = "none", latency_ms: float = 0,
                    as_of: dt.date | str = "2026-06-30", *, port: int = 0,
                    kit: DocumentKit | None = None) -> Iterator[SandboxHandle]:
    """Start a sandbox proxy on ``127.0.0.1:<port>`` (0 = any free port) for the block."""
    server = make_server(host="127.0.0.1", port=port, seed=seed, size=size, faults=faults,
                         latency_ms=latency_ms, as_of=as_of, kit=kit)
    handle = SandboxHandle(server)
    try:
        yield handle
    finally:
        handle.stop()
