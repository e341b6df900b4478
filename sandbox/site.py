"""Answer one HTTP request for a ``.test`` host from the universe, as of a clock date.

Pure request → ``Response`` (status, bytes, headers): no sockets, no faults (those live in
``sandbox.server`` and ``sandbox.faults``), so every page can be tested without a server.
Report documents are rendered lazily through the ``DocumentKit`` and cached, which is what
lets a medium universe start serving in well under a second.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import Any

from sandbox.html import Nav, link_list, meta_tags, page
from sandbox.kit import DocumentKit, default_kit
from sandbox.portals import family_for
from sandbox.portals.base import ListItem, ListRequest
from sandbox.regions import Region
from sandbox.universe import (
    CONTROL_HOST,
    MIRROR_HOST,
    Extra,
    Portal,
    Report,
    Universe,
    derive_rng,
    stable_hash,
)
from sandbox.validators import validator_headers

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "wps": "application/kswps",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ROBOTS_TXT = "User-agent: *\nDisallow: /search/\nDisallow: /preview/\n"
MISC_PAGES = {
    "/zwgk/gkzn/index.html": ("政府信息公开指南", "本机关政府信息公开指南如下：公开方式、申请渠道、受理机构。"),
    "/zwgk/gkzd/index.html": ("政府信息公开制度", "政府信息公开保密审查、发布协调等工作制度。"),
    "/zwgk/fdzdgknr/index.html": ("法定主动公开内容", "机构职能、规范性文件、财政预决算等法定主动公开内容。"),
    "/zwgk/ysqgk/index.html": ("依申请公开", "申请人可通过在线、信函、当面等方式提出政府信息公开申请。"),
    "/hdjl/index.html": ("互动交流", "领导信箱、在线访谈、意见征集。"),
}
# Validators of article pages per CMS family (Last-Modified, ETag): static-publishing CMS write
# .html files that nginx serves with both; Hanweb's pages come through a cache that drops the
# ETag; the GD platform's app server sends only an ETag. Files (documents, robots.txt) always
# have both, except those sent by a download script. Lists and other dynamic pages have none.
PAGE_VALIDATORS = {"static": (True, True), "trs": (True, True), "hanweb": (True, False),
                   "gd": (False, True)}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _encode(portal: Portal, html: str) -> tuple[bytes, str]:
    if portal.encoding == "gbk":
        return html.encode("gbk", errors="xmlcharrefreplace"), "text/html; charset=GBK"
    return html.encode("utf-8"), "text/html; charset=utf-8"


class Site:
    """Every ``.test`` host of one universe. Thread-safe: caches are per-process lru caches of
    pure functions of (report, version)."""

    def __init__(self, universe: Universe, kit: DocumentKit | None = None) -> None:
        self.u = universe
        self._kit = kit
        self.routes: dict[str, dict[str, tuple[str, Any, int]]] = {h: {} for h in universe.hosts()}
        for r in universe.reports.values():
            if r.appeared is None:
                continue
            for n, path in enumerate(r.page_paths):
                self.routes[r.host][path] = ("report", r.key, n)
            for k, path in enumerate(r.attachment_paths):
                self.routes[r.host][path] = ("attachment", r.key, k)
        for key, e in universe.extras.items():
            self.routes[e.host][e.path] = ("extra", key, 0)
            if e.kind == "mirror":
                self.routes[e.host][f"/doc/file/{e.id}"] = ("mirror_file", key, 0)
        self.mirror_portal = Portal(MIRROR_HOST, "mirror", "utf-8", "政务公开文库", "0000000000",
                                    Region("000000", "", "city", "", "wenku"), "", "", 20)
        # Big enough to hold every document of the medium world (2,903) once asked for: a
        # warmed sandbox then answers at its latency, as a server handing out stored files
        # does. At 256 documents the LRU evicted before a crawl came back, every PDF was drawn
        # again, and a benchmark measured the sandbox's rendering instead of the crawler.
        self._content = lru_cache(maxsize=8192)(self._make_content)
        self._body = lru_cache(maxsize=8192)(self._make_body)
        self._document = lru_cache(maxsize=8192)(self._make_document)

    @property
    def kit(self) -> DocumentKit:
        if self._kit is None:
            self._kit = default_kit()
        return self._kit

    # -- documents (cached) ------------------------------------------------------------
    def _make_content(self, key: str, version: int) -> Any:
        r = self.u.reports[key]
        a = self.u.agencies[r.agency_id]
        consistent = bool(version) if r.outcome == "edited" else r.consistent
        signed = r.published if r.date_evidence in ("meta", "page", "signature") else None
        return self.kit.make_report_content(
            derive_rng(self.u.seed, "content", key), agency_name=a.name, region_name=a.region_name,
            year=r.year, template=r.template, consistent=consistent, published=signed)

    def content(self, r: Report, on: dt.date) -> Any:
        return self._content(r.key, r.version(on))

    def _make_body(self, key: str, version: int) -> str:
        return str(self.kit.report_body_html(self._content(key, version)))

    def _make_document(self, key: str, version: int, k: int) -> bytes:
        r = self.u.reports[key]
        return bytes(self.kit.render_document(self._content(key, version), r.attachments[k]))

    def document(self, r: Report, on: dt.date, k: int) -> bytes:
        return self._document(r.key, r.version(on), k)

    # -- entry point -------------------------------------------------------------------
    def robots_txt(self, host: str) -> str:
        return ROBOTS_TXT if host in self.u.portals else "User-agent: *\nDisallow:\n"

    def handle(self, host: str, path: str, query: str, on: dt.date) -> Response:
        """The answer for ``http://host/path?query`` on date ``on`` (404 when absent)."""
        return View(self, on).handle(host, path, query)


class View:
    """One request's rendering context: the site and the clock date."""

    def __init__(self, site: Site, on: dt.date) -> None:
        self.site, self.u, self.on = site, site.u, on

    def html(self, portal: Portal, title: str, main: str, *, head: str = "", status: int = 200) -> Response:
        fam = family_for(portal.family) if portal.family != "mirror" else None
        nav = fam.nav(portal) if fam else Nav()
        mirror = f"http://{MIRROR_HOST}/" if portal.links_mirror else None
        body, ctype = _encode(portal, page(portal, nav, title, main, head=head, mirror_link=mirror))
        return Response(status, body, ctype)

    def not_found(self, portal: Portal) -> Response:
        return self.html(portal, "页面不存在", "<p>您访问的页面不存在或已被删除。</p>", status=404)

    def handle(self, host: str, path: str, query: str) -> Response:
        if host == MIRROR_HOST:
            return self.mirror(path)
        portal = self.u.portals.get(host)
        if portal is None:
            # what a real proxy says when the name does not resolve
            return Response(502, f"sandbox proxy: cannot resolve {host}\n".encode(), "text/plain; charset=utf-8")
        if path == "/robots.txt":
            robots = Response(200, self.site.robots_txt(host).encode(), "text/plain; charset=utf-8")
            return self.static(robots, dt.date(2019, 1, 1) + dt.timedelta(days=stable_hash(host) % 365),
                               host, "robots")
        fam = family_for(portal.family)
        routes = self.site.routes[host]
        route = routes.get(f"{path}?{query}") if query else None
        route = route or routes.get(path)
        if route:
            kind, key, n = route
            if kind == "report":
                return self.report_page(portal, self.u.reports[key], n)
            if kind == "attachment":
                return self.attachment(portal, self.u.reports[key], n)
            if kind == "extra":
                return self.extra_page(portal, self.u.extras[key])
        if path in ("/", "/index.html", "/index.htm"):
            return self.home(portal)
        special = fam.special(self, portal, path, query)
        if isinstance(special, Response):
            return special
        if path == fam.xxgk_path(portal):
            return self.xxgk_page(portal)
        req = fam.match_list(portal, path, query)
        if req is not None:
            return self.list_page(portal, req)
        if path in MISC_PAGES:
            title, text = MISC_PAGES[path]
            return self.html(portal, title, f"<h2>{title}</h2><p>{text}</p>")
        m = re.fullmatch(r"/rili/(\d{4})-(\d{2})\.html", path)
        if m and 1 <= int(m.group(2)) <= 12:
            return self.calendar(portal, int(m.group(1)), int(m.group(2)))
        if path.startswith("/search/"):
            return self.search(portal)
        if path.startswith("/preview/"):
            return self.html(portal, "预览", "<p>内部预览页面，请勿访问。</p>"
                             f'<a href="{fam.column_path(portal, portal.nb_column)}">返回</a>')
        return self.not_found(portal)

    # -- navigation pages ----------------------------------------------------------------
    def home(self, portal: Portal) -> Response:
        fam = family_for(portal.family)
        news = next(c for c in portal.columns.values() if c.kind == "news")
        items = self.list_items(portal, news)[:6]
        parts = [f"<h2>{escape(news.name)}</h2>", link_list([(i.href, i.title, i.date) for i in items])]
        owner = self.u.agencies[portal.owner_id]
        if not owner.own_site:
            sites = [a for a in self.u.agencies.values() if a.own_site and a.region.code == portal.region.code]
            counties = [p for p in self.u.portals.values() if p.region.parent == portal.region.code
                        and p.region.level == "county" and not self.u.agencies[p.owner_id].own_site]
            if sites:
                parts.append("<h3>部门网站</h3>" + link_list([(f"http://{a.host}/", a.name, None) for a in sites]))
            if counties:
                parts.append("<h3>区县政府</h3>" + link_list([(f"http://{p.host}/", p.site_name, None) for p in counties]))
        parts.append(f'<div class="quick"><a href="{fam.xxgk_path(portal)}">政府信息公开</a></div>')
        return self.html(portal, "首页", "\n".join(parts))

    def xxgk_page(self, portal: Portal) -> Response:
        fam = family_for(portal.family)
        nb = portal.nb_column
        links = [
            ("/zwgk/gkzn/index.html", "政府信息公开指南", None),
            ("/zwgk/gkzd/index.html", "政府信息公开制度", None),
            ("/zwgk/fdzdgknr/index.html", "法定主动公开内容", None),
            (fam.column_path(portal, nb), nb.name, None),
            ("/zwgk/ysqgk/index.html", "依申请公开", None),
        ]
        return self.html(portal, "政府信息公开", "<h2>政府信息公开</h2>\n" + link_list(links, "xxgk-nav"))

    def list_items(self, portal: Portal, col: Any) -> list[ListItem]:
        """What a column lists on this date, newest first (the same for every list style)."""
        items: list[ListItem] = []
        for r in self.u.reports_of(col.agency_id) if col.agency_id else []:
            if r.column_id == col.id and r.visible(self.on):
                shown = r.date_evidence in ("meta", "page")
                assert r.published and r.appeared
                items.append(ListItem(r.page_path, self.site.content(r, self.on).title,
                                      r.published.isoformat() if shown else None, r.appeared, r.article_id))
        if col.kind == "nb" and len(portal.body_columns()) == 0:
            for r in self.u.reports_of(portal.owner_id):
                if r.visible(self.on):
                    shown = r.date_evidence in ("meta", "page")
                    assert r.published and r.appeared
                    items.append(ListItem(r.page_path, self.site.content(r, self.on).title,
                                          r.published.isoformat() if shown else None, r.appeared, r.article_id))
        for e in self.u.extras.values():
            if e.host == portal.host and e.column_id == col.id and e.date <= self.on:
                items.append(ListItem(e.path, e.title, e.date.isoformat(), e.date, e.id))
        items.sort(key=lambda i: (i.sort_date, i.sort_id), reverse=True)
        return items

    def list_page(self, portal: Portal, req: ListRequest) -> Response:
        fam = family_for(portal.family)
        col = req.column
        if col.kind == "nb" and portal.body_columns():
            if req.page:
                return self.not_found(portal)
            subs = [(fam.column_path(portal, c), c.name, None) for c in portal.body_columns()]
            main = (f"<h2>{escape(col.name)}</h2>\n" + link_list(subs, "sub-columns")
                    + '\n<p class="tip"><a href="/preview/nb.html">年报预览（内部）</a></p>')
            return self.html(portal, col.name, main)
        body = fam.render_list(portal, req, self.list_items(portal, col))
        if body is None:
            return self.not_found(portal)
        extra = ""
        if portal.family == "hanweb" and col.agency_id:
            uscc = self.u.agencies[col.agency_id].uscc
            years = range(2016, self.on.year + 1)
            extra = "\n<div class=\"nbcx\">年报查询：" + " ".join(
                f'<a href="/module/xxgk/xxgkAnnualReport.jsp?area={uscc}&amp;fbtime={y}">{y}</a>' for y in years) + "</div>"
        return self.html(portal, col.name, f"<h2>{escape(col.name)}</h2>\n{body}{extra}")

    def annual_view(self, portal: Portal, area: str, fbtime: str) -> Response:
        """Hanweb's per-agency view: reports the agency *published* in year ``fbtime``."""
        agency = next((a for a in self.u.agencies.values() if a.uscc == area and a.host == portal.host), None)
        items = []
        if agency is not None and fbtime.isdigit():
            for r in self.u.reports_of(agency.id):
                if r.visible(self.on) and r.published and str(r.published.year) == fbtime:
                    items.append((r.page_path, self.site.content(r, self.on).title, r.published.isoformat()))
        main = "<h2>政府信息公开年报</h2>\n" + (link_list(items) if items else "<p>暂无数据</p>")
        return self.html(portal, "年报查询", main)

    def calendar(self, portal: Portal, year: int, month: int) -> Response:
        """An endless calendar: every month links to the next and previous one (a crawler trap)."""
        prev = (year, month - 1) if month > 1 else (year - 1, 12)
        nxt = (year, month + 1) if month < 12 else (year + 1, 1)
        days = " ".join(f'<a href="/rili/{year:04d}-{month:02d}.html#d{d}">{d}</a>' for d in range(1, 29))
        main = (f"<h2>活动日历 {year}年{month}月</h2><div class=\"cal\">{days}</div>"
                f'<a href="/rili/{prev[0]:04d}-{prev[1]:02d}.html">上个月</a> '
                f'<a href="/rili/{nxt[0]:04d}-{nxt[1]:02d}.html">下个月</a>')
        return self.html(portal, "活动日历", main)

    def search(self, portal: Portal) -> Response:
        fam = family_for(portal.family)
        hits = [(fam.column_path(portal, portal.nb_column), portal.nb_name, None)]
        for r in [r for r in self.u.reports.values() if r.host == portal.host and r.visible(self.on)][:5]:
            hits.append((r.page_path, self.site.content(r, self.on).title, None))
        return self.html(portal, "搜索结果", "<h2>搜索结果</h2>\n" + link_list(hits))

    # -- articles and files ---------------------------------------------------------------
    def report_page(self, portal: Portal, r: Report, n: int) -> Response:
        if not r.visible(self.on):
            return self.not_found(portal)
        assert r.published is not None
        agency = self.u.agencies[r.agency_id]
        content = self.site.content(r, self.on)
        h = stable_hash(self.u.seed, r.key, "page")
        time_of_day = f"{8 + h % 10:02d}:{h % 60:02d}"
        date_shown = r.date_evidence in ("meta", "page")
        meta_mode = "full" if r.date_evidence == "meta" else ("none" if h % 2 else "nodate")
        head = ""
        if meta_mode != "none":
            src = self.u.portals.get(portal.meta_template_of or "", portal)
            head = meta_tags({
                "SiteName": src.site_name, "SiteDomain": src.host, "SiteIDCode": src.site_id_code,
                "ColumnName": portal.columns[r.column_id].name, "ColumnType": "信息公开年报",
                "ArticleTitle": content.title,
                "PubDate": f"{r.published.isoformat()} {time_of_day}" if meta_mode == "full" else None,
                "ContentSource": agency.name,
            })
        parts = [f'<h1 class="title">{escape(content.title)}</h1>']
        if not agency.own_site:
            when = r.published.strftime("%Y-%m-%d") if date_shown else ""
            parts.append(
                '<table class="xxgk-info"><tr><th>索引号</th>'
                f"<td>{agency.uscc}/{r.year + 1}-{r.article_id % 100000:05d}</td>"
                f"<th>发布机构</th><td>{escape(agency.name)}</td></tr>"
                f"<tr><th>发文日期</th><td>{when}</td><th>文号</th><td></td></tr></table>")
        info = f"来源：{escape(agency.name)}"
        if date_shown:
            info = f"发布时间：{r.published.isoformat()}　" + info
        parts.append(f'<div class="info">{info}</div>')
        if r.presentation in ("inline", "both"):
            chunks = split_pages(self.site._body(r.key, r.version(self.on)), r.pages)
            parts.append(f'<div class="article-content">\n{chunks[n]}\n</div>')
            if r.pages > 1:
                links = " ".join(f'<a href="{p}">{i + 1}</a>' if i != n else f"<span>{i + 1}</span>"
                                 for i, p in enumerate(r.page_paths))
                if n + 1 < r.pages:
                    links += f' <a href="{r.page_paths[n + 1]}">下一页</a>'
                parts.append(f'<div class="page">{links}</div>')
        else:
            parts.append(f'<div class="article-content"><p>《{escape(content.title)}》已编制完成，现予以公开，详见附件。</p></div>')
        if r.attachments and n == 0:
            names = [f"{content.title}{'（统计表）' if fmt in ('xls', 'xlsx') else ''}.{ext_of(p)}"
                     for fmt, p in zip(r.attachments, r.attachment_paths, strict=True)]
            parts.append('<div class="attachments">附件：' + "".join(
                f'<p><a href="{escape(p)}">{escape(name)}</a></p>'
                for p, name in zip(r.attachment_paths, names, strict=True)) + "</div>")
        resp = self.html(portal, content.title, "\n".join(parts), head=head)
        lm, etag = PAGE_VALIDATORS.get(portal.family, (False, False))
        return self.static(resp, self.changed(r), r.key, n, last_modified=lm, etag=etag)

    def attachment(self, portal: Portal, r: Report, k: int) -> Response:
        if not r.visible(self.on):
            return self.not_found(portal)
        ext = ext_of(r.attachment_paths[k])
        data = self.site.document(r, self.on, k)
        headers = []
        if "downfile.jsp" in r.attachment_paths[k]:
            headers.append(("Content-Disposition", f'attachment; filename="{r.attachment_paths[k].rsplit("=", 1)[1]}"'))
            return Response(200, data, "application/octet-stream", headers)
        return self.static(Response(200, data, CONTENT_TYPES[ext], headers), self.changed(r),
                           r.key, "file", k)

    def extra_page(self, portal: Portal, e: Extra) -> Response:
        if e.date > self.on:
            return self.not_found(portal)
        text = {
            "interpretation": "为便于公众理解，现对年度报告主要内容解读如下：一是主动公开情况；二是依申请公开情况；三是存在问题及改进措施。本文为解读材料，不是年度报告本身。",
            "notice": "各部门、各乡镇（街道）：根据《中华人民共和国政府信息公开条例》规定，请按时编制并发布本机关政府信息公开工作年度报告，并报送政务公开办公室。",
            "news": "近日，相关工作会议召开，会议总结了前一阶段工作，部署了下一步任务。",
            "policy": "各有关单位：现将有关文件印发给你们，请认真贯彻执行。",
        }.get(e.kind, "")
        main = (f'<h1 class="title">{escape(e.title)}</h1><div class="info">发布时间：{e.date.isoformat()}</div>'
                f'<div class="article-content"><p>{escape(text)}</p></div>')
        lm, etag = PAGE_VALIDATORS.get(portal.family, (False, False))
        return self.static(self.html(portal, e.title, main), e.date, "extra", e.id,
                           last_modified=lm, etag=etag)

    # -- validators -------------------------------------------------------------------------
    def changed(self, r: Report) -> dt.date:
        """The day the bytes of ``r``'s page and files last changed, as of the clock."""
        assert r.appeared is not None
        return r.edited if r.edited is not None and r.version(self.on) else r.appeared

    def static(self, resp: Response, day: dt.date, *key: object, last_modified: bool = True,
               etag: bool = True) -> Response:
        """``resp`` as a file published on ``day`` (a stable morning time, never after the
        clock's noon ``Date``): with ``Last-Modified`` and/or ``ETag`` (sandbox.validators)."""
        if resp.status != 200 or not (last_modified or etag):
            return resp
        day = min(day, self.on)
        minutes = 8 * 60 + stable_hash(self.u.seed, *key, "mtime") % 180
        when = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), dt.UTC)
        resp.headers = [*resp.headers, *validator_headers(when, resp.body, last_modified=last_modified,
                                                          etag=etag)]
        return resp

    # -- the mirror ----------------------------------------------------------------------
    def mirror(self, path: str) -> Response:
        portal = self.site.mirror_portal
        if path == "/robots.txt":
            return Response(200, self.site.robots_txt(MIRROR_HOST).encode(), "text/plain; charset=utf-8")
        copies = [e for e in self.u.extras.values() if e.kind == "mirror" and e.date <= self.on]
        if path in ("/", "/index.html"):
            copies.sort(key=lambda e: (e.date, e.id), reverse=True)
            return self.html(portal, "首页", "<h2>最新文档</h2>\n" + link_list(
                [(e.path, e.title, e.date.isoformat()) for e in copies]))
        route = self.site.routes[MIRROR_HOST].get(path)
        if not route:
            return self.not_found(portal)
        kind, key, _ = route
        e = self.u.extras[key]
        if e.date > self.on or e.report_key is None:
            return self.not_found(portal)
        r = self.u.reports[e.report_key]
        version = r.version(e.date)  # the copy is frozen at the day it was taken
        if kind == "mirror_file":
            if not r.attachments:
                return self.not_found(portal)
            return Response(200, self.site._document(r.key, version, 0), CONTENT_TYPES[ext_of(r.attachment_paths[0])])
        content = self.site._content(r.key, version)
        if r.presentation == "inline" or not r.attachments:
            body = self.site._body(r.key, version)
        else:
            body = f'<p>文档下载：<a href="/doc/file/{e.id}">{escape(content.title)}</a></p>'
        main = (f'<h1>{escape(e.title)}</h1><div class="info">上传时间：{e.date.isoformat()}　'
                f"本站文档均来自网络，仅供学习参考</div>\n{body}")
        return self.html(portal, e.title, main)


def ext_of(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def split_pages(body: str, pages: int) -> list[str]:
    """Cut an article body into ``pages`` parts at heading boundaries (as CMS page breaks do)."""
    if pages <= 1:
        return [body]
    pieces = re.split(r"(?=<h[1-6][ >])", body)
    pieces = [p for p in pieces if p.strip()] or [body]
    out: list[str] = []
    per = max(1, -(-len(pieces) // pages))
    for i in range(pages):
        chunk = "".join(pieces[i * per:(i + 1) * per])
        out.append(chunk or "<p>（续）</p>")
    return out


__all__ = ["Site", "View", "Response", "CONTROL_HOST"]
