"""The SSRF guard: a crawl of public portals never reaches internal addresses or other schemes.

Every URL the crawler follows comes from the web (links, redirects, a browser's sub-requests),
so a hostile page could point it at ``http://169.254.169.254/`` (cloud metadata), a router on
``192.168.x.x`` or ``file:///etc/passwd``. :class:`AddressGuardMiddleware` runs first among the
downloader middlewares, for *every* request — robots.txt, redirect targets (Scrapy re-schedules
them through the whole chain) and rendered pages' sub-requests included — and refuses:

* a scheme other than ``http``/``https`` (``file:``, ``ftp:``, ``gopher:``, ``data:``, ``s3:``…);
* a host that is, or resolves to, an address that is not globally routable: loopback,
  private (RFC 1918, ``fc00::/7``), link-local (``169.254/16`` — the metadata service —,
  ``fe80::/10``), unspecified, shared (``100.64/10``), reserved, multicast; IPv4-mapped IPv6 and
  legacy IPv4 spellings (``2130706433``, ``0x7f.1``, ``127.1``) are read as the address they mean.

Names are resolved through the crawl's own DNS resolver (Scrapy's cache), so the address checked
is the one the connection then uses — a name that re-resolves differently later ("DNS
rebinding") is served from that cache. When an explicit proxy carries the request (the sandbox,
a corporate proxy), the crawler never resolves target names itself — the proxy does — so only
literal addresses and schemes are checked there.

Settings: ``NIANBAO_ADDRESS_GUARD`` is ``"production"`` (default) or ``"off"``;
``NIANBAO_ADDRESS_ALLOW`` lists networks let through anyway (CIDR strings, e.g.
``["127.0.0.0/8"]`` for a test server on loopback, or an intranet portal crawled on purpose).
A refused request fails with :class:`AddressRefused` (class ``refused_address`` in the crawl
report, its reason naming the address) and counts in ``nianbao/address_refused/<why>``.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import urllib.request
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")
MODES = ("production", "off")
_LEGACY_V4 = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)


class Refusal(NamedTuple):
    """Why a URL or address is refused: ``kind`` (a stats key) and a sentence for the report."""

    kind: str
    text: str


class AddressRefused(IgnoreRequest):
    """A request to a non-public address or a non-HTTP scheme (the message says which)."""

    nb_class = "refused_address"


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells literally, in any form a resolver would accept
    (``[::1]``, ``127.0.0.1``, ``2130706433``, ``0x7f.0.0.1``, ``127.1``); None for a name."""
    host = host.strip("[]").rstrip(".")
    if "%" in host:  # IPv6 zone index (fe80::1%eth0)
        host = host.split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_V4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def why_not_public(addr: IPAddress) -> str | None:
    """Why ``addr`` is not a public unicast address (``None`` when it is one)."""
    if isinstance(addr, ipaddress.IPv6Address):
        inner = addr.ipv4_mapped or addr.sixtofour
        if inner is not None:
            return why_not_public(inner)
    for attr, why in (("is_unspecified", "unspecified"), ("is_loopback", "loopback"),
                      ("is_link_local", "link-local"), ("is_private", "private"),
                      ("is_multicast", "multicast"), ("is_reserved", "reserved")):
        if getattr(addr, attr):
            return why
    if not addr.is_global:
        return "not globally routable"
    return None


def parse_allow(values: list[str]) -> list[IPNetwork]:
    """``NIANBAO_ADDRESS_ALLOW`` as networks; a bad entry is a configuration error that names it."""
    out: list[IPNetwork] = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"NIANBAO_ADDRESS_ALLOW: {value!r} is not a network ({exc})") from exc
    return out


class AddressPolicy:
    """The decision, without Scrapy: which schemes and addresses a crawl may contact."""

    def __init__(self, allow: list[IPNetwork] | None = None):
        self.allow = allow or []

    def refuse_address(self, addr: IPAddress) -> Refusal | None:
        """Why a connection to ``addr`` is refused, or None."""
        if any(addr.version == net.version and addr in net for net in self.allow):
            return None
        why = why_not_public(addr)
        return Refusal(why.replace(" ", "_"), f"{why} address {addr}") if why else None

    def refuse_url(self, url: str) -> Refusal | None:
        """Why ``url`` is refused before any resolution (scheme, literal address), or None."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            return Refusal("scheme", f"scheme {scheme or '(none)'}: is not HTTP(S)")
        host = parts.hostname or ""
        if not host:
            return Refusal("no_host", "no host name")
        addr = literal_address(host)
        return self.refuse_address(addr) if addr is not None else None


def _proxied(request: Request, setting_proxy: str = "",
             env_proxies: dict[str, str] | None = None) -> bool:
    """Whether a proxy will carry this request (then the proxy, not us, resolves the name):
    one in its meta, the ``NIANBAO_PROXY`` setting (crawler.proxy) or the environment's.
    ``env_proxies`` is the environment's, read once per crawl (reading it scans the whole
    environment, and this runs for every request)."""
    if request.meta.get("proxy") or (setting_proxy and "proxy" not in request.meta):
        return True
    if "proxy" in request.meta:  # explicitly None: no proxy for this request
        return False
    parts = urlsplit(request.url)
    proxies = urllib.request.getproxies() if env_proxies is None else env_proxies
    # proxy_bypass_environment: CPython's no_proxy check, given the proxies (not in typeshed)
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    return bool(proxies.get(parts.scheme)) and not bypass(parts.hostname or "", proxies)


class AddressGuardMiddleware:
    """Downloader middleware applying :class:`AddressPolicy` to every request (module docstring)."""

    def __init__(self, crawler: Crawler):
        s = crawler.settings
        mode = str(s.get("NIANBAO_ADDRESS_GUARD", "production")).lower()
        if mode not in MODES:
            raise ValueError(f"NIANBAO_ADDRESS_GUARD must be one of {', '.join(MODES)}, not {mode!r}")
        if mode == "off":
            logger.warning("address guard is off: requests to internal addresses are allowed")
            raise NotConfigured
        self.crawler = crawler
        self.policy = AddressPolicy(parse_allow(s.getlist("NIANBAO_ADDRESS_ALLOW")))
        self.setting_proxy = str(s.get("NIANBAO_PROXY") or "")
        self.env_proxies = urllib.request.getproxies()  # fixed for the crawl (crawler.runner)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    def _refuse(self, request: Request, why: Refusal) -> AddressRefused:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"nianbao/address_refused/{why.kind}")
        logger.warning("refused %s: %s", request.url[:300], why.text)
        return AddressRefused(f"refused ({why.text}): {request.url[:300]}")

    async def process_request(self, request: Request, spider: Any = None) -> None:
        why = self.policy.refuse_url(request.url)
        if why:
            raise self._refuse(request, why)
        host = urlsplit(request.url).hostname or ""
        if literal_address(host) is not None or _proxied(request, self.setting_proxy, self.env_proxies):
            return None
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor

        # The reactor's resolver is Scrapy's caching one: the connection reuses this answer. A
        # failed lookup fails the request here (a DNSLookupError, retried as usual) instead of
        # letting the connection resolve again — a second answer could be a private address.
        ip = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined,arg-type]
        addr = literal_address(str(ip))
        if addr is not None:
            why = self.policy.refuse_address(addr)
            if why:
                raise self._refuse(request, why._replace(text=f"{host} resolves to {why.text}"))
        return None
