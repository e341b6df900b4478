"""Response classes of DOMAIN.md §6: anti-bot answers are not absence."""

from __future__ import annotations

import pytest

from crawler import classify as rc

HTML = [("Content-Type", "text/html; charset=utf-8")]
PAGE = ("<html><body>" + "".join(f'<a href="/a{i}.html">栏目{i}</a>' for i in range(10))
        + "<p>" + "正文内容" * 80 + "</p></body></html>").encode()


@pytest.mark.parametrize("status,headers,body,expected", [
    (200, HTML, PAGE, rc.OK),
    (404, HTML, b"<html>not here</html>", rc.NOT_FOUND),
    (410, HTML, b"gone", rc.NOT_FOUND),
    (412, HTML, b"<html><script>$_ts=window['$_ts'];$_ts.nsd=1;</script></html>", rc.CHALLENGED),
    (202, HTML, b"<html><script>var $_ts={};$_ts.cd='x';</script></html>", rc.CHALLENGED),
    (521, [*HTML, ("Set-Cookie", "__jsluid_h=abc; path=/")], b"<script>document.cookie=1</script>", rc.CHALLENGED),
    (403, HTML, b"forbidden", rc.BLOCKED),
    (429, [*HTML, ("Retry-After", "5")], b"slow down", rc.RATE_LIMITED),
    (503, [*HTML, ("Retry-After", "5")], b"busy", rc.RATE_LIMITED),
    (503, HTML, b"busy", rc.SERVER_ERROR),
    (500, HTML, b"oops", rc.SERVER_ERROR),
    (301, [("Location", "/x")], b"", rc.REDIRECT),
    (304, [], b"", rc.NOT_MODIFIED),
    (200, HTML, b'<html><body><div id="app"></div><script src="/app.js"></script></body></html>', rc.JS_SHELL),
    (200, [("Content-Type", "application/pdf")], b"%PDF-1.4 <script>", rc.OK),
])
def test_classes(status, headers, body, expected):
    assert rc.classify_response(status, headers, body) == expected


def test_a_real_page_with_scripts_is_not_a_shell():
    body = PAGE.replace(b"</body>", b"<script>var x=1;</script></body>")
    assert not rc.is_js_shell(body)


def test_inaccessible_classes_never_include_not_found():
    assert rc.NOT_FOUND not in rc.INACCESSIBLE and rc.OK not in rc.INACCESSIBLE
    assert {rc.CHALLENGED, rc.BLOCKED, rc.RATE_LIMITED} <= rc.INACCESSIBLE


def test_failures():
    class TimeoutError_(Exception):
        pass

    TimeoutError_.__name__ = "TimeoutError"
    assert rc.classify_failure(TimeoutError_()) == rc.TIMEOUT
    assert rc.classify_failure(ConnectionResetError()) == rc.NETWORK_ERROR
