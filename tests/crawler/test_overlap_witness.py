"""The witness behind every "never two requests in flight to one host" test: the sandbox's
log must tell a client that asks one host twice at once from one that asks in turn, however
busy the machine, or those tests prove nothing (or fail for nothing)."""

from __future__ import annotations

import threading

from sandbox.testing import running_sandbox
from tests.crawler.harness import overlaps
from tests.sandbox.http_helpers import get

LATENCY_MS = 60


def _urls(sb) -> list[str]:
    host = next(r["page_url"] for r in sb.truth() if r["page_url"]).split("/")[2]
    return [f"http://{host}/robots.txt", f"http://{host}/"] * 3


def test_parallel_requests_to_one_host_are_seen_and_sequential_ones_are_not():
    with running_sandbox(seed=1, size="small", latency_ms=LATENCY_MS) as sb:
        for url in _urls(sb):  # in turn, as a polite crawler asks
            get(sb.proxy_url, url)
        sequential = sb.state()
        sb.reset_log()
        threads = [threading.Thread(target=get, args=(sb.proxy_url, url)) for url in _urls(sb)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        parallel = sb.state()
    assert len(sequential) == len(parallel) == 6
    assert overlaps(sequential, tolerance=0) == []
    assert len(overlaps(parallel, tolerance=LATENCY_MS / 2000)) >= 3


def test_a_late_end_stamp_is_no_overlap():
    """A server thread that gets the GIL back late stamps its ``end`` after the next request
    was read; the answer had gone out before, so this is not two requests in flight."""
    log = [
        {"host": "h", "url": "a", "start": 0.0, "answering": 0.06, "end": 0.20},
        {"host": "h", "url": "b", "start": 0.10, "answering": 0.16, "end": 0.17},
    ]
    assert overlaps(log, tolerance=0) == []
    log[1]["start"] = 0.03  # asked while the first was still being answered
    assert overlaps(log, tolerance=0) == [("h", "a", "b", 0.03)]
