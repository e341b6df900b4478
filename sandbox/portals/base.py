"""What every CMS family must say: its URL shapes and how its lists paginate.

A family places each report and extra page at a URL when the universe is built (so ground
truth can name URLs without rendering anything), recognises its own list URLs, and renders
lists in its own style. Pages, files and the shared frame are rendered in ``sandbox.site``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from urllib.parse import parse_qs

from sandbox.html import Nav, link_list
from sandbox.universe import Column, Extra, Portal, Report, Universe, stable_hash

EXT = {"pdf": "pdf", "pdf_scan": "pdf", "docx": "docx", "doc": "doc", "wps": "wps", "xls": "xls", "xlsx": "xlsx"}


@dataclass(frozen=True)
class ListItem:
    href: str
    title: str
    date: str | None  # as printed; None when the page shows no date
    sort_date: dt.date
    sort_id: int


@dataclass(frozen=True)
class ListRequest:
    column: Column
    page: int  # 0-based
    query: dict[str, list[str]]


class Family:
    """Base family: subclasses set ``name`` and the URL shapes."""

    name = "base"
    article_base = 100
    dated_urls = False

    # -- placement ---------------------------------------------------------------------
    def next_article_id(self, u: Universe, host: str) -> int:
        counters: dict[str, int] = u.__dict__.setdefault("_article_ids", {})
        counters[host] = counters.get(host, 0) + 1 + stable_hash(u.seed, host, counters.get(host, 0)) % 5
        return self.article_base + counters[host]

    def place_report(self, u: Universe, r: Report) -> None:
        portal = u.portals[r.host]
        col = portal.column_of(r.agency_id)
        r.column_id = col.id
        r.article_id = self.next_article_id(u, r.host)
        date = r.url_date or r.appeared
        assert date is not None
        r.page_paths = tuple(self.article_path(portal, col, r.article_id, date, n) for n in range(r.pages))
        r.page_path = r.page_paths[0]
        r.attachment_paths = tuple(
            self.attachment_path(portal, col, r.article_id, date, k, EXT[fmt], stable_hash(u.seed, r.key, k))
            for k, fmt in enumerate(r.attachments))

    def place_extra(self, u: Universe, e: Extra) -> None:
        portal = u.portals[e.host]
        e.path = self.article_path(portal, portal.columns[e.column_id], self.next_article_id(u, e.host), e.date, 0)

    # -- URL shapes (override) ---------------------------------------------------------
    def xxgk_path(self, portal: Portal) -> str:
        raise NotImplementedError

    def column_path(self, portal: Portal, col: Column, page: int = 0) -> str:
        raise NotImplementedError

    def article_path(self, portal: Portal, col: Column, aid: int, date: dt.date, page: int) -> str:
        raise NotImplementedError

    def attachment_path(self, portal: Portal, col: Column, aid: int, date: dt.date, k: int,
                        ext: str, h: int) -> str:
        raise NotImplementedError

    def match_list(self, portal: Portal, path: str, query: str) -> ListRequest | None:
        """The column and page a list URL asks for, or None."""
        for col in portal.columns.values():
            for page in range(0, 1000):
                if self.column_path(portal, col, page) == path:
                    return ListRequest(col, page, parse_qs(query))
                if page > 50:
                    break
        return None

    def nav(self, portal: Portal) -> Nav:
        cols = portal.columns.values()
        news = next(c for c in cols if c.kind == "news")
        policy = next(c for c in cols if c.kind == "policy")
        return Nav("/", self.xxgk_path(portal), self.column_path(portal, news), self.column_path(portal, policy))

    # -- lists -------------------------------------------------------------------------
    def render_list(self, portal: Portal, req: ListRequest, items: list[ListItem]) -> str | None:
        """The list body (inside the frame) for one page, or None when the page does not exist."""
        size = portal.page_size
        pages = max(1, math.ceil(len(items) / size))
        if req.page >= pages:
            return None
        chunk = items[req.page * size:(req.page + 1) * size]
        body = link_list([(i.href, i.title, i.date) for i in chunk])
        return body + "\n" + self.pager(portal, req.column, req.page, pages)

    def pager(self, portal: Portal, col: Column, page: int, pages: int) -> str:
        """Plain next/previous links (overridden by script-paginated families)."""
        links = []
        if page > 0:
            links.append(f'<a href="{self.column_path(portal, col, page - 1)}">上一页</a>')
        if page + 1 < pages:
            links.append(f'<a href="{self.column_path(portal, col, page + 1)}">下一页</a>')
        return f'<div class="page">共{pages}页 {" ".join(links)}</div>'

    def special(self, site: object, portal: Portal, path: str, query: str) -> object | None:
        """Family-specific endpoints (data proxies, per-agency views); None when not one."""
        return None
