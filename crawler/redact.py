"""Keep crawl credentials out of WARCs, logs and crawl files.

A crawl may need credentials: a proxy's ``user:password`` (``--proxy http://u:p@host:port``,
which Scrapy turns into a ``Proxy-Authorization`` header on every proxied ``http`` request) or
an ``Authorization`` header given through a setting (``DEFAULT_REQUEST_HEADERS``). The archive
must prove what a site answered, not leak how we reached it, so:

* WARC request records drop ``Proxy-Authorization`` (a hop-by-hop header for our proxy, not
  part of the request the site saw) and keep ``Authorization`` only as ``[redacted]``, so the
  record still says the request was authenticated (:func:`request_headers`);
* the crawl log passes through :class:`RedactingFilter` (installed by the :class:`RedactLogs`
  extension), which replaces every secret value known to the crawl (passwords, header values
  and their Basic encodings) wherever it appears;
* URLs written to crawl files lose their password (:func:`redact_url`).
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

REDACTED = "[redacted]"
DROP_HEADERS = frozenset({"proxy-authorization"})
MASK_HEADERS = frozenset({"authorization"})
_MIN_SECRET = 4  # shorter "secrets" would redact ordinary words in the log


def request_headers(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Request header pairs as archived: proxy credentials dropped, ``Authorization`` masked."""
    out = []
    for name, value in pairs:
        low = name.lower()
        if low in DROP_HEADERS:
            continue
        out.append((name, REDACTED if low in MASK_HEADERS else value))
    return out


def redact_url(url: str) -> str:
    """``url`` without the password of its user-info (``http://u:[redacted]@host``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{REDACTED}@{host}"))


PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")


def secrets_of(*, proxy: str | None = None, settings: Any = None) -> set[str]:
    """Every string of a crawl's credentials that must never be written out: the password of
    each proxy (``proxy``, the ``NIANBAO_PROXY`` setting, the ``http(s)_proxy`` environment) raw,
    URL-decoded and in its ``user:password`` Basic encoding, and the values of
    ``Authorization``/``Proxy-Authorization`` headers set in ``DEFAULT_REQUEST_HEADERS``."""
    found: set[str] = set()
    proxies = [proxy, *(os.environ.get(v) for v in PROXY_VARIABLES)]
    if settings is not None:
        proxies.append(settings.get("NIANBAO_PROXY"))
    for url in filter(None, proxies):
        parts = urlsplit(str(url))
        if parts.password:
            user, password = unquote(parts.username or ""), unquote(parts.password)
            found |= {parts.password, password,
                      base64.b64encode(f"{user}:{password}".encode()).decode()}
    headers = settings.getdict("DEFAULT_REQUEST_HEADERS") if settings is not None else {}
    for name, value in headers.items():
        if str(name).lower() in MASK_HEADERS | DROP_HEADERS and value:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            found.add(text)
            scheme, _, credential = text.partition(" ")
            if credential:
                found.add(credential)
    return {s for s in found if len(s) >= _MIN_SECRET}


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``[redacted]`` (longest first)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter that rewrites any log record containing a known secret."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = {s for s in secrets if s}

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is the logging module's problem
            return True
        if any(s in message for s in self.secrets):
            record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and any(s in record.exc_text for s in self.secrets):
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


class RedactLogs:
    """Extension that installs :class:`RedactingFilter` for the crawl's own credentials.

    An extension because Scrapy builds extensions just before it logs the overridden settings
    (which may hold a proxy URL or headers), on every entry point: ``nianbao crawl``,
    ``scrapy crawl`` and Scrapyd jobs alike."""

    def __init__(self, secrets: Iterable[str]):
        self.filter = install(secrets)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedactLogs:
        return cls(secrets_of(settings=crawler.settings))


def install(secrets: Iterable[str]) -> RedactingFilter:
    """Add a :class:`RedactingFilter` to every handler of the root logger (Scrapy's log file
    and console handlers) and return it."""
    filt = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(filt)
    return filt
