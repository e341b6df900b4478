"""Suite-wide guards and fixtures.

The network guard makes any test fail that opens a connection to an address outside this
machine: crawling in tests goes to the bundled sandbox on loopback, nowhere else.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


class NetworkEscape(AssertionError):
    """A test tried to reach a host outside this machine."""


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it would already be leaving


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        raise NetworkEscape(f"test tried to connect to {address!r}, outside this machine")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        raise NetworkEscape(f"test tried to connect to {address!r}, outside this machine")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network_outside_this_machine():
    """Block connections to anything but loopback for the whole session (in this process;
    subprocesses are pointed at the sandbox proxy, whose log shows any attempt to leave)."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The five real reports (as text) from shared/seeds, copied into the repository."""
    return FIXTURES / "seeds"


@pytest.fixture(scope="session")
def real_pdf() -> Path:
    """A real published report PDF (洪泽区 2023), the parser's reference case."""
    return FIXTURES / "real" / "hongze-2023-annual-report.pdf"


# --- sandbox fixtures -------------------------------------------------------------------------
# The bundled world of simulated portals (sandbox/), served by an in-process proxy on loopback.


@pytest.fixture(scope="session")
def sandbox_small():
    """The default small universe (seed 1, no faults, clock 2026-06-30), shared by the session.
    Tests that move its clock must put it back (``sb.set_clock("2026-06-30")``)."""
    from sandbox.testing import running_sandbox

    with running_sandbox(seed=1, size="small", faults="none") as handle:
        yield handle


@pytest.fixture
def sandbox_factory():
    """``sandbox_factory(**kw)`` starts a sandbox (``running_sandbox`` keywords) and stops every
    sandbox it started when the test ends."""
    from sandbox.testing import running_sandbox

    started = []

    def start(**kw):
        cm = running_sandbox(**kw)
        handle = cm.__enter__()
        started.append(cm)
        return handle

    yield start
    for cm in reversed(started):
        cm.__exit__(None, None, None)
