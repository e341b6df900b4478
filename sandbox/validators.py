"""HTTP validators and conditional requests (RFC 9110 §8.8, §13), as portal servers send them.

Real portals publish static files (robots.txt, report PDFs/DOCs, and on static-publishing CMS
the article pages too) through nginx or Apache, which answer with ``Last-Modified`` and an
``ETag`` and honour ``If-None-Match`` / ``If-Modified-Since`` with ``304 Not Modified``;
dynamic answers (lists, JSP download scripts, search) carry no validators. Which CMS family
sends what is the site's business (:mod:`sandbox.site`); this module only builds the headers
and decides, from a request's headers, whether the answer is "not modified".

The ETag has nginx's shape, ``"<mtime hex>-<length hex>"``; when the proxy gzips an answer on
the fly it turns a strong ETag weak (``W/"…"``), as nginx's gzip filter does. Both change
whenever the bytes change, since the sandbox's bytes are a function of the modification date.
"""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime


def http_date(when: dt.datetime) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``)."""
    return format_datetime(when.astimezone(dt.UTC), usegmt=True)


def nginx_etag(modified: dt.datetime, length: int) -> str:
    return f'"{int(modified.timestamp()):x}-{length:x}"'


def validator_headers(modified: dt.datetime, body: bytes, *, last_modified: bool = True,
                      etag: bool = True) -> list[tuple[str, str]]:
    """``Last-Modified`` and/or ``ETag`` for a static answer modified at ``modified``."""
    out = []
    if last_modified:
        out.append(("Last-Modified", http_date(modified)))
    if etag:
        out.append(("ETag", nginx_etag(modified, len(body))))
    return out


def weaken(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers with a strong ETag made weak (the body is re-encoded on the fly)."""
    return [(k, f"W/{v}" if k.lower() == "etag" and not v.startswith("W/") else v)
            for k, v in headers]


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _parse_http_date(value: str) -> dt.datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def not_modified(method: str, request_headers: dict[str, str],
                 response_headers: list[tuple[str, str]]) -> bool:
    """Whether a GET/HEAD with these request headers gets ``304`` for this answer.

    RFC 9110 §13.2.2: ``If-None-Match`` (weak comparison, ``*`` matches any) decides when
    present, and ``If-Modified-Since`` is then ignored; otherwise ``If-Modified-Since`` matches
    when ``Last-Modified`` is not later. A date that does not parse is ignored (§13.1.3).
    ``request_headers`` keys are lower-case."""
    if method not in ("GET", "HEAD"):
        return False
    have = {k.lower(): v for k, v in response_headers}
    inm = request_headers.get("if-none-match")
    if inm is not None:
        etag = have.get("etag")
        if etag is None:
            return False
        tags = [t for t in (p.strip() for p in inm.split(",")) if t]
        return "*" in tags or _opaque(etag) in {_opaque(t) for t in tags}
    ims = request_headers.get("if-modified-since")
    if ims is None or "last-modified" not in have:
        return False
    since, modified = _parse_http_date(ims), _parse_http_date(have["last-modified"])
    return since is not None and modified is not None and modified <= since


def not_modified_headers(response_headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What a 304 repeats of the full answer's headers (RFC 9110 §15.4.5; nginx sends these)."""
    keep = ("etag", "last-modified", "cache-control", "expires", "vary", "content-location")
    return [(k, v) for k, v in response_headers if k.lower() in keep]
