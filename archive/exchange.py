"""One HTTP exchange as the crawler saw it: the unit the archive writes.

Kept free of Scrapy and Twisted types so the crawler, tests and other tools can all build one.
The body convention matters for faithful archiving: ``body`` is the entity body with any
*transfer* encoding (chunking) already removed but any *content* encoding (gzip, br, deflate)
kept, exactly the bytes WARC 1.1 §5.9 defines the payload digest over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

TRUNCATION_REASONS = ("length", "time", "disconnect")


@dataclass
class Exchange:
    """A request and the response to it, as received.

    ``response_headers`` are as received, multi-valued headers kept as separate pairs, including
    ``Content-Encoding`` and ``Transfer-Encoding`` if the server sent them. ``truncated`` is one of
    ``"length"``, ``"time"``, ``"disconnect"`` when the body is incomplete. ``metadata`` (via /
    referrer, hops, seed, agency_id, response_class, ...) is written as a ``metadata`` record.
    """

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    http_version: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    ip_address: str | None = None
    truncated: str | None = None
    metadata: dict[str, object] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the URL and the bad field: the writer must never store a
        record a replay tool would choke on, so bad input stops here, not in a reader later."""
        if not self.url or any(c in self.url for c in " \r\n"):
            raise ValueError(f"exchange URL {self.url!r}: empty or contains whitespace")
        if not self.method or not self.method.isalpha():
            raise ValueError(f"exchange {self.url}: bad HTTP method {self.method!r}")
        if not 100 <= int(self.status) <= 999:
            raise ValueError(f"exchange {self.url}: status {self.status!r} is not a 3-digit code")
        if not self.http_version.startswith("HTTP/"):
            raise ValueError(f"exchange {self.url}: http_version {self.http_version!r} "
                             "should look like 'HTTP/1.1'")
        if self.fetched_at.tzinfo is None:
            raise ValueError(f"exchange {self.url}: fetched_at must be timezone-aware (UTC)")
        if self.truncated is not None and self.truncated not in TRUNCATION_REASONS:
            raise ValueError(f"exchange {self.url}: truncated={self.truncated!r}, "
                             f"expected one of {TRUNCATION_REASONS}")
        for name, value in (*self.request_headers, *self.response_headers):
            if (not name or not name.isascii() or any(c in name for c in ": \t\r\n")
                    or "\r" in value or "\n" in value):
                raise ValueError(f"exchange {self.url}: header {name!r}: {value!r} has an "
                                 "empty or non-ASCII name, a colon/space in its name, or a "
                                 "line break")
        if not isinstance(self.body, bytes | bytearray):
            raise ValueError(f"exchange {self.url}: body must be bytes, got {type(self.body)}")
