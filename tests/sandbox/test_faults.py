"""Each fault kind is observable, transient ones recover on retry, permanent ones are unverified."""

from __future__ import annotations

import http.client
import socket

import pytest

from sandbox.faults import ATTEMPTS, build_plan
from sandbox.universe import Universe
from tests.sandbox.http_helpers import get


@pytest.fixture(scope="module")
def heavy():
    from sandbox.testing import running_sandbox

    with running_sandbox(seed=1, size="small", faults="heavy") as handle:
        yield handle


def _url_with(sb, kind: str) -> str:
    """A served page (200 normally) whose transient fault is ``kind``."""
    for r in sb.universe.reports.values():
        if r.visible(sb.as_of) and sb.plan.permanent_for(r.host) is None:
            if sb.plan.transient_for(r.host, r.page_path) == kind:
                return f"http://{r.host}{r.page_path}"
    raise AssertionError(f"no URL with fault {kind}")


def _own_site_host(sb, kind: str) -> str:
    return next(h for h, k in sb.plan.permanent.items() if k == kind)


def test_fault_levels_scale():
    u = Universe(1, "small")
    assert not build_plan(u, "none").permanent and not build_plan(u, "none").rate
    assert list(build_plan(u, "some").permanent.values()) == ["412"]
    assert sorted(build_plan(u, "heavy").permanent.values()) == ["412", "521", "unreachable"]
    with pytest.raises(ValueError, match="none"):
        build_plan(u, "apocalyptic")


def test_412_challenge_with_inline_ts_script(heavy):
    ans = get(heavy.proxy_url, f"http://{_own_site_host(heavy, '412')}/")
    assert ans.status == 412 and "$_ts" in ans.text() and "<script" in ans.text()
    assert get(heavy.proxy_url, f"http://{_own_site_host(heavy, '412')}/").status == 412  # permanent


def test_521_challenge_sets_jsluid_cookie(heavy):
    ans = get(heavy.proxy_url, f"http://{_own_site_host(heavy, '521')}/")
    assert ans.status == 521 and "__jsluid_s=" in ans.headers["set-cookie"]
    assert "jsl_clearance" in ans.text()


def test_unreachable_host_times_out_at_the_gateway(heavy):
    assert get(heavy.proxy_url, f"http://{_own_site_host(heavy, 'unreachable')}/").status == 504


def test_permanently_blocked_agencies_are_unverified_in_truth(heavy):
    blocked = set(heavy.plan.permanent)
    rows = [r for r in heavy.truth() if r["fault"]]
    assert rows and {r["expected_status"] for r in rows} <= {"unverified", "not_due"}
    assert all(r["reachable"] is False for r in rows)
    hosts = {heavy.universe.agencies[r["agency_id"]].host for r in rows}
    assert hosts == blocked


@pytest.mark.parametrize("kind", ["503", "500"])
def test_server_error_bursts_then_recovery(heavy, kind):
    url = _url_with(heavy, kind)
    statuses = [get(heavy.proxy_url, url).status for _ in range(ATTEMPTS[kind] + 1)]
    assert statuses == [int(kind)] * ATTEMPTS[kind] + [200]


def test_429_carries_retry_after_then_recovers(heavy):
    url = _url_with(heavy, "429")
    first = get(heavy.proxy_url, url)
    assert first.status == 429 and int(first.headers["retry-after"]) >= 1
    assert get(heavy.proxy_url, url).status == 200


def test_connection_reset_then_recovery(heavy):
    url = _url_with(heavy, "reset")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(heavy.proxy_url, url)
    assert get(heavy.proxy_url, url).status == 200


def test_truncated_body_then_recovery(heavy):
    url = _url_with(heavy, "truncated")
    with pytest.raises(http.client.IncompleteRead):
        get(heavy.proxy_url, url)
    assert get(heavy.proxy_url, url).status == 200


def test_timeout_then_recovery(heavy):
    url = _url_with(heavy, "timeout")
    with pytest.raises((TimeoutError, socket.timeout)):
        get(heavy.proxy_url, url, timeout=0.5)
    assert get(heavy.proxy_url, url).status == 200


def test_slow_answer_still_arrives(heavy):
    url = _url_with(heavy, "slow")
    heavy.reset_log()
    assert get(heavy.proxy_url, url).status == 200
    assert [e["fault"] for e in heavy.state() if e["url"] == url] == ["slow"]


def test_slowloris_sends_headers_then_dribbles_then_recovers(heavy):
    """Heavy mode's slow-loris answer: the status line and headers come at once, the body a few
    bytes at a time, so only a client with an overall deadline gets out; the retry is whole."""
    import time
    from urllib.parse import urlsplit

    url = _url_with(heavy, "slowloris")
    p = urlsplit(heavy.proxy_url)
    conn = http.client.HTTPConnection(p.hostname, p.port, timeout=5)
    try:
        t0 = time.monotonic()
        conn.request("GET", url, headers={"User-Agent": "nianbao-tests"})
        resp = conn.getresponse()
        assert resp.status == 200 and time.monotonic() - t0 < 2  # headers at once
        length = int(resp.getheader("Content-Length"))
        got = resp.read1(length)  # whatever has arrived; the rest is still dribbling
        time.sleep(1.2)
        got += resp.read1(length)
        assert 0 < len(got) < min(length, 200)  # a few bytes per half second, never the whole
    finally:
        conn.close()
    t1 = time.monotonic()
    again = get(heavy.proxy_url, url)  # the retry is answered in full, at once
    assert again.status == 200 and len(again.body) > 200 and time.monotonic() - t1 < 3
    assert "slow" in {heavy.plan.transient_for(urlsplit(u).hostname, urlsplit(u).path)
                      for u in [f"http://{r.host}{r.page_path}" for r in heavy.universe.reports.values()]}
