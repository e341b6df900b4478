"""What every benchmark reports: one row per measurement, ours against a peer's."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Row:
    """One measured figure. ``peer`` is the same figure for the peer tool in the same run."""

    bench: str
    metric: str
    ours: float
    unit: str
    peer_name: str = ""
    peer: float | None = None
    target: str = ""
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.peer in (None, 0):
            return None
        return self.ours / self.peer  # type: ignore[operator]


@dataclass
class Stopwatch:
    """Wall and CPU seconds (this process and its children) of a block."""

    wall: float = 0.0
    cpu: float = 0.0
    _marks: list[float] = field(default_factory=list)


def _cpu_now() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def measure() -> Iterator[Stopwatch]:
    """Time a block: ``with measure() as m: ...; m.wall, m.cpu``."""
    sw = Stopwatch()
    w0, c0 = time.perf_counter(), _cpu_now()
    try:
        yield sw
    finally:
        sw.wall = time.perf_counter() - w0
        sw.cpu = _cpu_now() - c0


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
