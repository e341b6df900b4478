"""The proxy: .test hosts answered, everything else refused and logged, control host works."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

from tests.sandbox.http_helpers import get


def test_test_hosts_are_served_through_the_proxy(sandbox_small):
    ans = get(sandbox_small.proxy_url, "http://www.wuzhong.gov.test/")
    assert ans.status == 200
    assert "吴忠市人民政府" in ans.text()


def test_hosts_outside_test_get_502_and_are_logged_as_escapes(sandbox_small):
    sandbox_small.reset_log()
    ans = get(sandbox_small.proxy_url, "http://www.gov.cn/zhengce/index.htm")
    assert ans.status == 502
    log = sandbox_small.state()
    assert [(e["host"], e["escape"], e["status"]) for e in log] == [("www.gov.cn", True, 502)]
    assert log[0]["user_agent"] == "nianbao-tests"


def test_connect_is_refused_and_logged(sandbox_small):
    sandbox_small.reset_log()
    p = urlsplit(sandbox_small.proxy_url)
    conn = http.client.HTTPConnection(p.hostname, p.port, timeout=10)
    conn.set_tunnel("www.example.com", 443)
    try:
        conn.request("GET", "/")
        raise AssertionError("CONNECT tunnel was accepted")
    except OSError as exc:
        assert "502" in str(exc)
    finally:
        conn.close()
    log = sandbox_small.state()
    assert log and log[0]["method"] == "CONNECT" and log[0]["escape"] and log[0]["status"] == 502


def test_request_log_has_what_politeness_checks_need(sandbox_small):
    sandbox_small.reset_log()
    get(sandbox_small.proxy_url, "http://www.wuzhong.gov.test/robots.txt")
    get(sandbox_small.proxy_url, "http://www.wuzhong.gov.test/no/such/page.html")
    log = json.loads(get(sandbox_small.proxy_url, "http://sandbox.test/__state").body)
    assert [e["status"] for e in log] == [200, 404]
    for e in log:
        assert e["end"] >= e["start"]
        assert {"host", "method", "url", "bytes", "user_agent", "robots_disallowed", "escape"} <= set(e)
    assert log[0]["bytes"] > 0
    assert get(sandbox_small.proxy_url, "http://sandbox.test/__reset", method="POST").status == 200
    assert sandbox_small.state() == []


def test_keep_alive_connection_serves_several_requests(sandbox_small):
    p = urlsplit(sandbox_small.proxy_url)
    conn = http.client.HTTPConnection(p.hostname, p.port, timeout=10)
    try:
        for path in ("/", "/robots.txt", "/"):
            conn.request("GET", f"http://www.wuzhong.gov.test{path}")
            resp = conn.getresponse()
            assert resp.status == 200
            resp.read()
    finally:
        conn.close()


def test_same_seed_same_bytes_different_seed_different(sandbox_small, sandbox_factory):
    other_same = sandbox_factory(seed=1, size="small")
    other_seed = sandbox_factory(seed=2, size="small")
    row = next(r for r in sandbox_small.truth() if r["visible_as_of"] and r["formats"][0] == "html")
    a = get(sandbox_small.proxy_url, row["page_url"]).body
    b = get(other_same.proxy_url, row["page_url"]).body
    assert a == b
    home = "http://www.wuzhong.gov.test/"
    assert get(sandbox_small.proxy_url, home).body != get(other_seed.proxy_url, home).body


def test_truth_over_http_matches_the_python_api(sandbox_small):
    ans = get(sandbox_small.proxy_url, "http://sandbox.test/__truth?as_of=2021-06-01")
    assert ans.status == 200
    assert json.loads(ans.body) == sandbox_small.truth("2021-06-01")
    bad = get(sandbox_small.proxy_url, "http://sandbox.test/__truth?as_of=June")
    assert bad.status == 400 and "YYYY-MM-DD" in bad.text()


def test_direct_origin_requests_are_told_to_use_the_proxy(sandbox_small):
    p = urlsplit(sandbox_small.proxy_url)
    with socket.create_connection((p.hostname, p.port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = s.recv(4096)
    assert data.startswith(b"HTTP/1.1 400")


def test_concurrent_clients_are_all_answered(sandbox_small):
    from concurrent.futures import ThreadPoolExecutor

    rows = [r for r in sandbox_small.truth() if r["visible_as_of"]][:24]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda r: get(sandbox_small.proxy_url, r["page_url"]).status, rows))
    assert statuses == [200] * len(rows)
