"""Response classes (DOMAIN.md §6): what an answer tells us about the site, not just its status.

Government portals answer bots with JavaScript cookie challenges (瑞数: 412 or 202 with an inline
``$_ts`` script; 加速乐: 521 with ``__jsluid`` cookies), WAF blocks and rate limits. Only
``not_found`` on a reachable site is evidence that a report is absent; every other non-ok class
makes the agency's years *unverified*. So the crawler classifies every answer, archives it, and
never tries to defeat a challenge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

OK = "ok"
REDIRECT = "redirect"
NOT_MODIFIED = "not_modified"
NOT_FOUND = "not_found"
CHALLENGED = "challenged"
BLOCKED = "blocked"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
JS_SHELL = "js_shell"
CLIENT_ERROR = "client_error"
NETWORK_ERROR = "network_error"
TIMEOUT = "timeout"
ROBOTS_DISALLOWED = "robots_disallowed"

ALL_CLASSES = (
    OK, REDIRECT, NOT_MODIFIED, NOT_FOUND, CHALLENGED, BLOCKED, RATE_LIMITED, SERVER_ERROR,
    JS_SHELL, CLIENT_ERROR, NETWORK_ERROR, TIMEOUT, ROBOTS_DISALLOWED,
)
# Classes that mean "we could not see the site", so nothing may be concluded about absence.
INACCESSIBLE = frozenset({CHALLENGED, BLOCKED, RATE_LIMITED, SERVER_ERROR, NETWORK_ERROR, TIMEOUT})

_TS_SCRIPT = re.compile(rb"\$_ts\s*=|\$_ts\s*\.|\$_ts\[", re.I)
_JSL = re.compile(rb"__jsl|jsluid", re.I)
_SCRIPT_BLOCK = re.compile(rb"<script\b[^>]*>.*?</script\s*>", re.I | re.S)
_STYLE_BLOCK = re.compile(rb"<style\b[^>]*>.*?</style\s*>", re.I | re.S)
_TAG = re.compile(rb"<[^>]+>")
_SPACE = re.compile(rb"(?:\s|&nbsp;)+")
_ANCHOR = re.compile(rb"<a\b[^>]*\bhref\s*=", re.I)
_SCRIPT_TAG = re.compile(rb"<script\b", re.I)
_APP_ROOT = re.compile(rb"<(?:div|main|section)\b[^>]*\bid\s*=\s*[\"']?(?:app|root|main-app)\b", re.I)
_WAF_WORDS = re.compile(
    "访问被拒绝|访问受限|禁止访问|拦截|安全防护|web应用防火墙|waf|access denied|forbidden".encode(),
    re.I,
)

# A page whose visible text is shorter than this, with scripts and almost no links, is a shell
# that only a browser fills in (heuristic, tuned on real Hanweb/Vue portals).
JS_SHELL_MAX_TEXT = 160
JS_SHELL_MAX_LINKS = 3


def header_values(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    """All values of a header (case-insensitive) from ``(name, value)`` pairs."""
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def visible_text_length(body: bytes) -> int:
    """Rough length (bytes) of the visible text of an HTML body: enough to tell a shell apart."""
    text = _STYLE_BLOCK.sub(b" ", _SCRIPT_BLOCK.sub(b" ", body))
    text = _SPACE.sub(b" ", _TAG.sub(b" ", text)).strip()
    return len(text)


def is_js_shell(body: bytes) -> bool:
    """True for an HTML page that has scripts but almost no text or links of its own."""
    if not _SCRIPT_TAG.search(body):
        return False
    links = len(_ANCHOR.findall(body))
    if links > JS_SHELL_MAX_LINKS:
        return False
    return visible_text_length(body) <= JS_SHELL_MAX_TEXT or bool(_APP_ROOT.search(body) and links == 0)


def is_challenge(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> bool:
    """瑞数 (412/202/200 + ``$_ts``) or 加速乐 (521, ``__jsluid`` cookie or ``__jsl`` script)."""
    head = body[:20000]
    if status in (412, 202, 200) and _TS_SCRIPT.search(head):
        return status != 200 or visible_text_length(body) <= JS_SHELL_MAX_TEXT
    if status == 521:
        return True
    cookies = " ".join(header_values(headers, "Set-Cookie"))
    if status >= 400 and ("__jsluid" in cookies or _JSL.search(head)):
        return True
    return status == 412


def classify_response(
    status: int, headers: Iterable[tuple[str, str]], body: bytes, content_type: str = ""
) -> str:
    """The response class of one HTTP answer (see module docstring)."""
    headers = list(headers)
    if not content_type:
        ct = header_values(headers, "Content-Type")
        content_type = ct[0] if ct else ""
    if is_challenge(status, headers, body):
        return CHALLENGED
    if status == 304:
        return NOT_MODIFIED
    if 300 <= status < 400:
        return REDIRECT
    if status in (404, 410):
        return NOT_FOUND
    if status == 429:
        return RATE_LIMITED
    if status == 503 and header_values(headers, "Retry-After"):
        return RATE_LIMITED
    if status in (401, 403, 451) or (status == 400 and _WAF_WORDS.search(body[:20000])):
        return BLOCKED
    if status >= 500:
        return SERVER_ERROR
    if status >= 400:
        return CLIENT_ERROR
    if status == 200 and "html" in content_type.lower() and _WAF_WORDS.search(body[:4000]) and (
        visible_text_length(body) < 400
    ):
        return BLOCKED
    if status == 200 and ("html" in content_type.lower() or not content_type) and is_js_shell(body):
        return JS_SHELL
    return OK


def classify_failure(exc: BaseException) -> str:
    """Class of a download that produced no response: timeout or another network error, or the
    class an exception names itself (``nb_class``, e.g. a refused internal address)."""
    if isinstance(getattr(exc, "nb_class", None), str):
        return str(exc.nb_class)  # type: ignore[attr-defined]
    name = type(exc).__name__.lower()
    if "timeout" in name or "timedout" in name:
        return TIMEOUT
    return NETWORK_ERROR


TRUNCATED = "truncated"  # a retry label only: a cut body is archived as its class + WARC-Truncated


def classify_retry_reason(reason: str) -> str:
    """Class of one retried attempt from the reason Scrapy's retry counts it under
    (``retry/reason_count/<reason>``): an HTTP status line (``503 Service Unavailable``),
    ``dataloss`` (a body cut short), or an exception's dotted name."""
    head = reason.split(" ", 1)[0]
    if head.isdigit():
        status = int(head)
        if status == 429:
            return RATE_LIMITED
        if status == 408:
            return TIMEOUT
        return SERVER_ERROR if status >= 500 else CLIENT_ERROR
    if reason == "dataloss":
        return TRUNCATED
    name = reason.rsplit(".", 1)[-1].lower()
    return TIMEOUT if "timeout" in name or "timedout" in name else NETWORK_ERROR
