"""The ``portal`` spider: from each registry seed, find every annual report and its attachments.

``scrapy crawl portal -a registry=FILE [-a only=ID,ID] [-a max_pages=N] [-a render=auto]``
(``nianbao crawl`` runs the same spider in-process through :mod:`crawler.runner`).

Every request carries ``meta["nb"]``: the agency (seed) it belongs to, its link ``depth`` from
the seed, ``hops`` away from in-scope hosts, the ``role`` it plays (seed, nav, column, report,
list, attachment, endpoint), the page that linked to it (``via``) and whether it sits inside a
report column (then every entry of a list is followed). The spider yields one item per fetch
(``type: "fetch"``) and per failure, which :mod:`crawler.report` turns into the crawl report;
archiving happens independently at the downloader (:mod:`crawler.warc_extension`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse
from twisted.python.failure import Failure

from catalog.registry import Agency, load_registry, select
from crawler import classify as rc
from crawler import discovery as disc
from crawler.limits import LimitReached
from crawler.render import render_request_meta
from crawler.scope import DEFAULT_EXCLUDE, Decision, Scope, is_attachment_url, scope_for

logger = logging.getLogger(__name__)

PRIORITY = {"seed": 40, "column": 30, "report": 25, "attachment": 20, "endpoint": 20,
            "list": 15, "nav": 0}


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def regex_list(settings: Any, name: str) -> list[str]:
    """A list-of-regexes setting. Scrapyd and ``-s`` pass settings as strings, and Scrapy's
    ``getlist`` splits a string on commas, which breaks a regex like ``a{1,3}``; a JSON list
    string (what ``nianbao crawl -s`` and the cluster send) is decoded instead."""
    value = settings.get(name)
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"setting {name}: not a JSON list of regexes: {exc}") from exc
        return [str(v) for v in decoded]
    return list(settings.getlist(name))


class PortalSpider(scrapy.Spider):
    """Crawl agencies' portals for annual reports (see module docstring)."""

    name = "portal"

    def __init__(
        self,
        registry: str | None = None,
        only: str | list[str] | None = None,
        max_pages: int | str | None = None,
        render: str | None = None,
        time_limit: float | str | None = None,
        agencies: list[Agency] | None = None,
        registry_agencies: list[Agency] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if agencies is None:
            if not registry:
                raise ValueError("spider portal: give -a registry=FILE (a registry CSV)")
            registry_agencies = load_registry(registry)
            agencies = select(registry_agencies, _split(only))
        self.agencies: list[Agency] = agencies
        self.registry_agencies: list[Agency] = registry_agencies or agencies
        self.max_pages = int(max_pages) if max_pages not in (None, "", 0, "0") else 0
        self.render_mode = render or ""
        self.time_limit = float(time_limit) if time_limit not in (None, "") else 0.0
        self.scopes: dict[str, Scope] = {}
        self._followed: set[str] = set()  # GET URLs this spider already requested

    # -- setup -------------------------------------------------------------------------------
    def _setup(self) -> None:
        s = self.crawler.settings
        if not self.render_mode:
            self.render_mode = s.get("NIANBAO_RENDER", "auto")
        if self.render_mode not in ("auto", "always", "never"):
            raise ValueError(f"render {self.render_mode!r}: expected auto, always or never")
        if not self.max_pages:
            self.max_pages = s.getint("NIANBAO_MAX_PAGES", 0)
        exclude = regex_list(s, "NIANBAO_SCOPE_EXCLUDE") \
            if s.get("NIANBAO_SCOPE_EXCLUDE") is not None else list(DEFAULT_EXCLUDE)
        for a in self.agencies:
            self.scopes[a.agency_id] = scope_for(
                a, self.registry_agencies,
                include=regex_list(s, "NIANBAO_SCOPE_INCLUDE"), exclude=exclude,
                max_depth=s.getint("NIANBAO_MAX_DEPTH", 12), max_hops=s.getint("NIANBAO_MAX_HOPS", 1),
            )
        self.max_list_pages = s.getint("NIANBAO_MAX_LIST_PAGES", 300)
        self.max_nav_depth = s.getint("NIANBAO_MAX_NAV_DEPTH", 4)
        self.max_chain = s.getint("NIANBAO_MAX_SIBLING_CHAIN", 3)
        self.agency_by_id = {a.agency_id: a for a in self.agencies}

    def render_for(self, agency_id: str) -> str:
        """The render policy of one seed: the crawl's, unless it is ``auto`` and the registry
        row says otherwise."""
        if self.render_mode != "auto":
            return self.render_mode
        a = self.agency_by_id.get(agency_id)
        return a.render if a else "auto"

    async def start(self) -> AsyncIterator[Request]:
        self._setup()
        # Bodies sharing a portal share its seed URL and only the first request for it is
        # crawled: let a body that needs no browser go first, so one ``render=always`` row does
        # not make the whole shared portal render (its report_url, if given, is still rendered,
        # and ``auto`` renders any page that turns out to need it).
        # Scrapy takes start requests lazily: a link to a seed URL can be found before its seed
        # request is made (a resumed crawl, answered from the archive, outruns its seeds), and
        # the first request for a URL is the one crawled. Claim every seed first, so a seed is
        # always crawled as a seed (depth 0, its own agency) whatever the order.
        for a in self.agencies:
            self._followed.update(a.seed_urls)
        for a in sorted(self.agencies, key=lambda a: a.render == "always"):
            for i, url in enumerate(a.seed_urls):
                role = "column" if (a.report_url and url == a.report_url) else "seed"
                nb = {"agency": a.agency_id, "depth": 0, "hops": 0, "role": role, "via": "",
                      "seed": url, "in_column": role == "column", "list": url}
                yield self._request(url, nb, priority=PRIORITY["seed"] - i)
        for request in self._known_document_requests():
            yield request

    def _known_document_requests(self) -> Iterator[Request]:
        """Report pages and files earlier crawls archived for these agencies, asked for again so
        that one now gone (often unlinked first) is archived as a 404, proving the withdrawal
        (crawler.revisit). Each is marked ``revisit`` and counted once like any link."""
        s = self.crawler.settings
        if not s.getbool("NIANBAO_REVISIT_KNOWN", True):
            return
        from pathlib import Path

        from crawler.revisit import known_documents

        known = known_documents(Path(s.get("NIANBAO_DATA_DIR") or "data"),
                                [a.agency_id for a in self.agencies],
                                exclude_crawl=s.get("NIANBAO_CRAWL_ID", ""))
        for doc in known:
            scope = self.scopes[doc.agency_id]
            hops = 0 if scope.in_hosts(doc.url) else 1
            if doc.url in self._followed or not scope.check(
                    doc.url, depth=1, hops=hops, attachment=doc.role == "attachment").allowed:
                continue
            self._followed.add(doc.url)
            nb = {"agency": doc.agency_id, "depth": 1, "hops": hops, "role": doc.role,
                  "via": "", "seed": doc.url, "in_column": True, "list": doc.url,
                  "revisit": True}
            yield self._request(doc.url, nb, priority=PRIORITY[doc.role] - 10)
        self.crawler.stats.set_value("nianbao/known_documents_revisited", len(known))

    # -- requests ----------------------------------------------------------------------------
    def _request(self, url: str, nb: dict[str, Any], *, priority: int | None = None,
                 callback: Any = None, method: str = "GET", body: bytes = b"",
                 headers: dict[str, str] | None = None, dont_filter: bool = False,
                 render: bool = False) -> Request:
        meta: dict[str, Any] = {"nb": nb}
        if render or (self.render_for(nb["agency"]) == "always"
                      and nb["role"] not in ("attachment", "endpoint")):
            meta.update(render_request_meta())
        return Request(
            url, method=method, body=body or None, headers=headers, meta=meta,
            callback=callback or (self.parse_document if nb["role"] == "attachment" else self.parse),
            errback=self.failed, priority=priority if priority is not None else PRIORITY.get(nb["role"], 0) - nb["depth"],
            dont_filter=dont_filter,
        )

    def follow(self, response: Response, url: str, *, role: str, text: str = "",
               same_depth: bool = False, in_column: bool | None = None, list_key: str | None = None,
               **extra: Any) -> Request | None:
        """A request for a link from ``response``, or None (and a count) if out of scope."""
        parent = response.meta["nb"]
        scope = self.scopes[parent["agency"]]
        depth = parent["depth"] + (0 if same_depth else 1)
        attachment = role == "attachment"
        hops = 0 if scope.in_hosts(url) else parent["hops"] + 1
        chain = 0
        if role == "nav" and disc.url_shape(url) == disc.url_shape(response.url):
            chain = parent.get("chain", 0) + 1
        decision = scope.check(url, depth=depth, hops=hops, attachment=attachment)
        # pagination adds no depth, so a list whose every page links a "next" one (an endless
        # or generated pager) is bounded by counting pages along the chain
        list_page = parent.get("list_page", 0) + 1 if role == "list" else 0
        if decision.allowed and list_page > self.max_list_pages:
            decision = Decision(False, "trap")
        if decision.allowed and role == "nav":
            if chain > self.max_chain:
                decision = Decision(False, "trap")
            elif depth > self.max_nav_depth and not (parent.get("in_column") or in_column):
                decision = Decision(False, "depth")
        if not decision.allowed:
            self.crawler.stats.inc_value(f"nianbao/out_of_scope/{parent['agency']}/{decision.reason}")
            return None
        if role != "endpoint":  # endpoint batches share a URL and differ by their body
            if url in self._followed:
                # Scrapy's dupefilter would drop it too, but only after building the request
                # and running it through every middleware: most links of a portal's pages are
                # its navigation, repeated on every page, so this is most of them.
                self.crawler.stats.inc_value("nianbao/links_seen_before")
                return None
            self._followed.add(url)
        nb = {"agency": parent["agency"], "depth": depth, "hops": hops, "role": role,
              "via": response.url, "seed": parent["seed"], "text": text[:200],
              "in_column": parent.get("in_column", False) if in_column is None else in_column,
              "list": list_key or (parent.get("list") if same_depth else url), "chain": chain,
              "list_page": list_page}
        nb.update(extra)
        return self._request(url, nb)

    # -- callbacks ---------------------------------------------------------------------------
    def _fetch_item(self, response: Response, cls: str, **extra: Any) -> dict[str, Any]:
        nb = response.meta.get("nb", {})
        return {"type": "fetch", "agency": nb.get("agency"), "url": response.url,
                "status": response.status, "class": cls, "role": nb.get("role"),
                "via": nb.get("via"), "depth": nb.get("depth"), "bytes": len(response.body),
                "rendered": "playwright" in response.flags, **extra}

    def parse(self, response: Response) -> Iterator[Any]:
        nb = response.meta["nb"]
        cls = response.meta.get("nb_class") or rc.classify_response(
            response.status, _header_pairs(response), response.body)
        if not isinstance(response, TextResponse) or (
            is_attachment_url(response.url) and not isinstance(response, HtmlResponse)
        ):
            yield from self.parse_document(response)
            return
        if cls not in (rc.OK, rc.JS_SHELL):
            yield self._fetch_item(response, cls)
            return
        sel = response.selector
        info = disc.page_info(response.url, sel)
        yield self._fetch_item(response, cls, title=info.title, kind=info.kind,
                               report_column=info.is_report_column,
                               site_id=info.meta.get("SiteIDCode", ""),
                               column_type=info.meta.get("ColumnType", ""))
        rendered = "playwright" in response.flags
        found_links = disc.links(response.url, sel)
        # a rendered DOM already holds what its scripts fetched (and the browser's requests
        # were archived): asking the data endpoint again would fetch the same list twice
        endpoints = [] if rendered else disc.script_endpoints(response.url, sel)
        wants_render = (cls == rc.JS_SHELL or (
            disc.has_script_list(sel) and not endpoints
            and sum(1 for lk in found_links if lk.kind in ("report", "article")) == 0))
        policy = self.render_for(nb["agency"])
        if wants_render and not rendered and policy == "auto":
            # the page is archived already: the browser's request for it is answered from the
            # archive (crawler.resume), so the server sees it once
            yield self._request(response.url, {**nb, "render_of": response.url},
                                dont_filter=True, render=True)
            self.crawler.stats.inc_value("nianbao/render_requests")
            return
        in_column = bool(nb.get("in_column") or info.is_report_column)
        is_report_page = info.kind in ("annual_report", "interpretation", "notice")
        if endpoints or any(lk.kind == "report" for lk in found_links):
            # Year filters of a list (Hanweb's xxgkAnnualReport.jsp?…&fbtime=2019, "2019" tabs)
            # show again what the full list and its pages already give: skip them there.
            years = [lk for lk in found_links if lk.kind == "nav" and disc.is_year_filter(lk)]
            if years:
                self.crawler.stats.inc_value("nianbao/skipped_year_views", len(years))
                found_links = [lk for lk in found_links if lk not in years]
        yield from self._follow_links(response, found_links, in_column, is_report_page, info.is_article)
        # pagination of every CMS family
        pages = disc.create_page_urls(response.url, response.text) + disc.index_n_urls(
            response.url, response.text, sel)
        for url in pages[: self.max_list_pages]:
            req = self.follow(response, url, role="list", same_depth=True, in_column=in_column)
            if req:
                yield req
        for ep in endpoints:
            url, method, body = disc.endpoint_request(ep, 0)
            req = self.follow(response, url, role="endpoint", same_depth=True, in_column=in_column)
            if req:
                req.meta["nb"]["endpoint"] = ep.__dict__
                req.meta["nb"]["batch"] = 0
                yield req.replace(method=method, body=body, callback=self.parse_endpoint,
                                  headers=_form_headers(method))

    def _follow_links(self, response: Response, found: list[disc.Link], in_column: bool,
                      is_report_page: bool, is_article: bool) -> Iterator[Request]:
        for link in found:
            req = None
            if link.kind == "attachment":
                if is_report_page or in_column or disc.looks_like_report_text(f"{link.text} {link.title}"):
                    req = self.follow(response, link.url, role="attachment", text=link.text)
            elif link.kind == "report":
                req = self.follow(response, link.url, role="report", text=link.text, in_column=in_column)
            elif link.kind == "column":
                req = self.follow(response, link.url, role="column", text=link.text, in_column=True)
            elif link.kind == "pagination":
                req = self.follow(response, link.url, role="list", text=link.text, same_depth=True)
            elif link.kind == "article":
                if in_column:
                    req = self.follow(response, link.url, role="report", text=link.text)
                else:
                    self.crawler.stats.inc_value("nianbao/skipped_articles")
            elif link.kind == "nav":
                req = self.follow(response, link.url, role="nav", text=link.text,
                                  in_column=in_column and not is_article)
            if req is not None:
                yield req

    def parse_endpoint(self, response: Response) -> Iterator[Any]:
        """A script list's data answer: follow its entries, then request the remaining batches
        (all of them from the first answer, which states the total)."""
        nb = response.meta["nb"]
        cls = rc.classify_response(response.status, _header_pairs(response), response.body)
        yield self._fetch_item(response, cls)
        if cls != rc.OK:
            return
        text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        found = disc.endpoint_links(response.url, text)
        in_column = bool(nb.get("in_column"))
        yield from self._follow_links(response, found, in_column, False, False)
        if nb.get("batch", 0) != 0:
            return
        ep = disc.Endpoint(**nb["endpoint"])
        total = disc.endpoint_total(text)
        if total is None or not (ep.start_key or ep.page_key):
            return
        batches = min(-(-total // max(1, disc.batch_size(ep))), self.max_list_pages)
        for i in range(1, batches):
            url, method, body = disc.endpoint_request(ep, i)
            req = self.follow(response, url, role="endpoint", same_depth=True, in_column=in_column)
            if req:
                req.meta["nb"]["batch"] = i
                yield req.replace(method=method, body=body, callback=self.parse_endpoint,
                                  headers=_form_headers(method))

    def parse_document(self, response: Response) -> Iterator[Any]:
        cls = response.meta.get("nb_class") or rc.classify_response(
            response.status, _header_pairs(response), response.body)
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        yield self._fetch_item(response, cls, document=True, content_type=ctype,
                               truncated=response.meta.get("nb_truncated"))

    def failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        nb = request.meta.get("nb", {})
        exc = failure.value
        name = type(exc).__name__
        if isinstance(exc, LimitReached):
            reason, cls = str(exc), "limit"
        elif isinstance(getattr(exc, "nb_class", None), str):  # a refusal that is a finding:
            reason, cls = str(exc), str(exc.nb_class)  # type: ignore[attr-defined]  # SSRF guard
        elif isinstance(exc, IgnoreRequest):  # robots.txt, scope (OutOfScope), dupes
            reason = str(exc) or "ignored"
            cls = rc.ROBOTS_DISALLOWED if "robots" in reason.lower() else "ignored"
        else:
            reason = f"{name}: {exc}"[:300]
            cls = rc.classify_failure(exc)
        yield {"type": "failure", "agency": nb.get("agency"), "url": request.url, "class": cls,
               "reason": reason, "role": nb.get("role"), "via": nb.get("via")}


def _header_pairs(response: Response) -> list[tuple[str, str]]:
    out = []
    for k, vs in response.headers.items():
        for v in vs:
            out.append((k.decode("latin-1"), v.decode("latin-1")))
    return out


def _form_headers(method: str) -> dict[str, str] | None:
    if method == "POST":
        return {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                "X-Requested-With": "XMLHttpRequest"}
    return {"X-Requested-With": "XMLHttpRequest"}


__all__ = ["PortalSpider", "XmlResponse"]
