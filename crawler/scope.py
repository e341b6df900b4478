"""The scope rule set: which URLs a seed's crawl may fetch, and why not when it may not.

Rules, applied in this order (the first that decides wins; the reason names it):

1. ``scheme``   only ``http`` and ``https``.
2. ``exclude``  a URL matching any exclude regex is out (user setting ``SCOPE_EXCLUDE``; by
                default: logout/login/search/print/share endpoints, which are not content).
3. ``trap``     crawler traps are out: URLs longer than ``SCOPE_MAX_URL_LENGTH``, more than
                ``SCOPE_MAX_QUERY_PARAMS`` query parameters, or a path segment repeated more than
                ``SCOPE_MAX_REPEATS`` times (``/a/b/a/b/a/b``) — endless calendars and
                relative-link loops look like this.
4. ``depth``    more than ``max_depth`` link hops from the seed (pagination does not add depth).
5. ``host``     the agency's own hosts (those of its registry URLs, and their sub-domains) and the
                hosts of its government's shared platform (the registry's ``government`` agency of
                the same region) are in.
                ``include`` regexes (``SCOPE_INCLUDE``) bring further URLs in.
6. ``hops``     an attachment (PDF, DOC…, ``downfile.jsp``) found on an in-scope page is in on any
                host, up to ``max_hops`` hops away from an in-scope host; HTML pages on other
                hosts (mirrors, friend links, unrelated portals) are out.

Everything else is ``offsite``. Hosts outside scope are never contacted at all, so a mirror that
copies reports is never fetched and never attributed to an agency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from catalog.registry import Agency

ATTACHMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".zip", ".rar", ".7z",
)
_DOWNLOAD_PATH = re.compile(r"(?:downfile|download|filedown|attach(?:ment)?)[^/]*\.(?:jsp|do|aspx?|php)", re.I)

DEFAULT_EXCLUDE = (
    r"(?i)/(?:logout|login|signin|register)\b",
    r"(?i)[?&](?:print|share)=",
    r"(?i)/(?:search|jsearch|s)\.(?:jsp|do|php|html?)\b",
    r"(?i)/(?:search|jsearch|so)/",
    r"(?i)^mailto:|^javascript:",
)


def is_attachment_url(url: str) -> bool:
    """True for a document link: a known file extension, or a download servlet."""
    parts = urlsplit(url)
    path = parts.path.lower()
    if path.endswith(ATTACHMENT_EXTENSIONS):
        return True
    if _DOWNLOAD_PATH.search(path):
        return True
    # ?file=xxx.pdf or filename=xxx.docx in the query
    return any(v.lower().endswith(ATTACHMENT_EXTENSIONS) for _, v in parse_qsl(parts.query))


def site_domain(host: str) -> str:
    """The domain a portal host stands for: its name without a leading ``www.``."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def host_in(host: str, domains: Iterable[str]) -> bool:
    """``host`` equals one of ``domains`` or is a sub-domain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass
class Decision:
    """A scope answer: ``allowed`` and the rule that decided (``reason``)."""

    allowed: bool
    reason: str


@dataclass
class Scope:
    """The scope of one seed (agency). Build it with :func:`scope_for`."""

    agency_id: str
    domains: frozenset[str]
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    max_depth: int = 12
    max_hops: int = 1
    max_url_length: int = 512
    max_query_params: int = 12
    max_repeats: int = 2
    notes: dict[str, str] = field(default_factory=dict)

    def in_hosts(self, url: str) -> bool:
        return host_in(urlsplit(url).hostname or "", self.domains)

    def check(self, url: str, *, depth: int = 0, hops: int = 0, attachment: bool | None = None) -> Decision:
        """Decide one URL. ``depth`` is its link depth from the seed; ``hops`` how many
        consecutive hops it is away from an in-scope host (0 when its host is in scope)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return Decision(False, "scheme")
        for rx in self.exclude:
            if rx.search(url):
                return Decision(False, "exclude")
        if len(url) > self.max_url_length:
            return Decision(False, "trap")
        if len(parse_qsl(parts.query, keep_blank_values=True)) > self.max_query_params:
            return Decision(False, "trap")
        segments = [s for s in parts.path.split("/") if s]
        if segments and max(segments.count(s) for s in segments) > self.max_repeats:
            return Decision(False, "trap")
        if depth > self.max_depth:
            return Decision(False, "depth")
        if self.in_hosts(url):
            return Decision(True, "host")
        if any(rx.search(url) for rx in self.include):
            return Decision(True, "include")
        if attachment is None:
            attachment = is_attachment_url(url)
        if attachment and hops <= self.max_hops:
            return Decision(True, "hops")
        return Decision(False, "offsite")


def _government_domains(agency: Agency, registry: Iterable[Agency]) -> set[str]:
    """Domains of the shared platform an agency's reports may live on: the sites of the
    ``government`` agency of its own region (a county department's or township's reports sit in
    the county portal's 政府信息公开 platform)."""
    out: set[str] = set()
    for other in registry:
        if other.kind == "government" and other.region_code == agency.region_code:
            out |= {site_domain(h) for h in other.hosts}
    return out


def scope_for(
    agency: Agency,
    registry: Iterable[Agency] = (),
    *,
    include: Iterable[str] = (),
    exclude: Iterable[str] = DEFAULT_EXCLUDE,
    max_depth: int = 12,
    max_hops: int = 1,
) -> Scope:
    """The scope of one agency's crawl (rules in the module docstring)."""
    own = {site_domain(h) for h in agency.hosts}
    platform = _government_domains(agency, registry) if registry else set()
    try:
        inc = tuple(re.compile(p) for p in include)
        exc = tuple(re.compile(p) for p in exclude)
    except re.error as err:
        raise ValueError(f"scope regex {err.pattern!r}: {err}") from err
    return Scope(
        agency_id=agency.agency_id,
        domains=frozenset(own | platform),
        include=inc,
        exclude=exc,
        max_depth=max_depth,
        max_hops=max_hops,
        notes={"own": ",".join(sorted(own)), "platform": ",".join(sorted(platform - own))},
    )
