"""Serialise an Exchange into the HTTP request and response messages stored in WARC records.

The policy (also written into every warcinfo record as ``http-body-policy``):

* The response body is stored as received, **content encoding kept** (gzip stays gzip) under
  its original ``Content-Encoding`` header, so replay serves the bytes the server sent.
* Transfer encoding is **removed** (the crawler de-chunks). A de-chunked body under a
  ``Transfer-Encoding: chunked`` header would be self-contradictory, so that header is renamed
  ``X-Archive-Orig-Transfer-Encoding`` (the evidence stays, the message stays consistent).
* ``Content-Length`` is set to the length of the stored body when it was missing or differs
  (e.g. chunked or truncated responses); a differing original value is kept as
  ``X-Archive-Orig-Content-Length``. Responses that have no body by definition (1xx, 204, 304,
  answers to HEAD) keep their ``Content-Length`` untouched.
* All other headers are kept verbatim, in order, multi-valued headers as separate lines.
  Header values are encoded as Latin-1 when possible (so values a crawler decoded from raw
  bytes as Latin-1 round-trip exactly), else UTF-8.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from archive.exchange import Exchange

HTTP_BODY_POLICY = (
    "body stored as received with content-encoding kept; transfer-encoding removed and its "
    "header renamed X-Archive-Orig-Transfer-Encoding; Content-Length set to the stored body "
    "length (differing original kept as X-Archive-Orig-Content-Length); other headers verbatim"
)

_NO_BODY_STATUSES = frozenset({204, 304})


def _encode_value(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _header_lines(headers: list[tuple[str, str]]) -> bytes:
    return b"".join(name.encode("ascii", "strict") + b": " + _encode_value(value) + b"\r\n"
                    for name, value in headers)


def response_has_body(ex: Exchange) -> bool:
    """False for responses that carry no body by definition (RFC 9110 §6.4.1)."""
    return not (ex.method.upper() == "HEAD" or 100 <= ex.status < 200
                or ex.status in _NO_BODY_STATUSES)


def stored_response_headers(ex: Exchange) -> list[tuple[str, str]]:
    """The response headers as stored, after applying the body policy above."""
    out: list[tuple[str, str]] = []
    lengths: list[str] = []
    has_body = response_has_body(ex)
    for name, value in ex.response_headers:
        lname = name.lower()
        if lname == "transfer-encoding":  # the stored body is never chunked
            out.append(("X-Archive-Orig-Transfer-Encoding", value))
        elif lname == "content-length" and has_body:
            lengths.append(value)
        else:
            out.append((name, value))
    if not has_body:
        return out
    true_length = str(len(ex.body))
    for value in lengths:
        if value.strip() != true_length:
            out.append(("X-Archive-Orig-Content-Length", value))
    out.append(("Content-Length", true_length))
    return out


def response_header_block(ex: Exchange) -> bytes:
    """Status line and headers of the stored response, ending with the blank line."""
    reason = ex.reason if ex.reason is not None else ""
    status_line = f"{ex.http_version} {int(ex.status)} {reason}".rstrip() + "\r\n"
    return (status_line.encode("latin-1", "replace") + _header_lines(stored_response_headers(ex))
            + b"\r\n")


def request_target(url: str) -> str:
    """Origin-form request target (path and query, exactly as in the URL)."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


def request_block(ex: Exchange) -> bytes:
    """The request message. ``Host`` is added when the crawler's header list lacks it, because
    the HTTP client adds it on the wire and a replay tool needs it to read the request."""
    headers = list(ex.request_headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", urlsplit(ex.url).netloc))
    line = f"{ex.method.upper()} {request_target(normalize_target_uri(ex.url))} {ex.http_version}\r\n"
    return line.encode("ascii", "replace") + _header_lines(headers) + b"\r\n" + bytes(ex.request_body)


def normalize_target_uri(url: str) -> str:
    """WARC-Target-URI must be a URI: percent-encode stray non-ASCII characters (as browsers
    do) and keep everything else, including the exact query string, untouched."""
    if url.isascii():
        return url
    return quote(url, safe="".join(chr(c) for c in range(0x21, 0x7F)))
