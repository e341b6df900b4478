"""Where the reports are: report columns, list pagination of each CMS family, report pages,
look-alikes and attachments (DOMAIN.md §5).

Pure functions over a page's URL and HTML (through parsel), so they are tested without a
crawl. The spider decides what to fetch from what they return.

The crawl is *focused*: it follows navigation (column and list links: short anchor texts, list
URL shapes), anything whose text looks like a report, every entry of a list that is itself a
report column, pagination, and attachments of report pages and report lists. Ordinary article
pages (news etc.: long titles on article-shaped URLs) are skipped; this keeps a portal crawl to
its column tree instead of its hundred thousand news items.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from w3lib.url import canonicalize_url, safe_url_string

from crawler.scope import is_attachment_url

# ---- words ---------------------------------------------------------------------------------
# Column names for annual reports (政府信息公开年报, 年度报告, 信息公开年报, 政务公开年报 …).
COLUMN_WORDS = re.compile(r"(?:信息公开|政务公开)?(?:工作)?(?:年度报告|年报)")
REPORT_WORDS = re.compile(
    r"(?:年度报告|年报|工作报告|年度工作情况)|(?:信息公开|政务公开).{0,12}(?:报告)", re.S
)
# Navigation that leads to reports on a disclosure platform.
NAV_WORDS = re.compile(
    r"信息公开|政务公开|公开目录|公开年报|年度报告|年报|法定主动公开|部门|乡镇|街道|机构|单位|"
    r"目录|专栏|首页|更多|列表|其他"
)
INTERPRETATION_WORDS = re.compile(r"解读|图解|一图读懂|图说|问答|答记者问|新闻发布")
NOTICE_WORDS = re.compile(
    r"通知|通告|公告|关于.{0,30}(?:编制|报送|做好|发布|公布|开展).{0,30}(?:年度报告|年报)|"
    r"(?:编制|报送)(?:工作)?的?通知|工作要点|指南|制度"
)
YEAR = re.compile(r"(?:19|20)\d{2}")
MORE_LINK = re.compile(r"^\s*(?:更多|more|>>|»|\+)\s*", re.I)
NEXT_PAGE_WORDS = re.compile(r"^\s*(?:下一?页|后一?页|next|›|>)\s*$", re.I)

# ---- URL shapes ----------------------------------------------------------------------------
_ARTICLE_SHAPES = (
    re.compile(r"/t\d{8}_\d+\.s?html?$", re.I),  # TRS WCM
    re.compile(r"/art_\d+_\d+\.html?$", re.I),  # Hanweb JCMS
    re.compile(r"/post_\d+\.html?$", re.I),  # Guangdong platform
    re.compile(r"/info/\d+/\d+\.s?htm", re.I),
    re.compile(r"/(?:content|article|detail|art)[_/-]?\d+\.(?:s?html?|jhtml)$", re.I),
    re.compile(r"/\d{5,}\.(?:s?html?|jhtml)$", re.I),
    re.compile(r"[?&](?:id|articleid|infoid|contentid)=\d+", re.I),
)
_LIST_SHAPES = (
    re.compile(r"/(?:index|list|default)(?:_\d+)?\.(?:s?html?|jhtml|jsp|php|aspx?)$", re.I),
    re.compile(r"/col/col\d+/", re.I),
    re.compile(r"/$"),
    re.compile(r"/[a-z_]+/?$", re.I),
    re.compile(r"xxgkAnnualReport", re.I),
)
_CREATE_PAGE = re.compile(
    r"createPageHTML\s*\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w.-]+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]"
)
_PAGE_COUNT_VARS = re.compile(
    r"\b(?:countPage|pageCount|totalPages?|page_count|pagecount|maxPage)\s*[=:]\s*['\"]?(\d+)",
    re.I,
)
_SCRIPT_URL = re.compile(
    r"['\"]((?:https?://[^'\"\s]+|/|\.\.?/)?[\w./-]*?"
    r"(?:dataproxy\.jsp|[\w-]*(?:data|list|query|search|api|json|ajax)[\w-]*\.(?:jsp|do|json|php|aspx?|action)"
    r"|/api/[\w/.-]+)(?:\?[^'\"\s]*)?)['\"]",
    re.I,
)
_SCRIPT_PARAM = re.compile(r"['\"]?(\w+)['\"]?\s*:\s*(?:['\"]([^'\"]*)['\"]|(-?\d+))")
_SCRIPT_METHOD = re.compile(r"\b(?:type|method)\s*:\s*['\"](post|get)['\"]", re.I)
# Paging parameters of script-filled lists (Hanweb jpage; generic page/size APIs).
START_KEYS = ("startrecord", "start", "offset", "begin")
END_KEYS = ("endrecord", "end")
PERPAGE_KEYS = ("perpage", "pagesize", "pageSize", "size", "limit", "rows", "num")
PAGE_KEYS = ("page", "pageNo", "pageNum", "pageIndex", "currentPage", "curpage", "p")
_TOTAL = re.compile(
    r"<total(?:record|count)?>\s*(\d+)\s*</total(?:record|count)?>|"
    r"[\"'](?:total(?:Record|Count|record|count)?|count|totalElements)[\"']\s*:\s*(\d+)",
    re.I,
)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


@dataclass
class Link:
    """A link found on a page, with the text a person sees and what kind of target it seems."""

    url: str
    text: str
    kind: str  # attachment | report | column | nav | article | pagination
    title: str = ""


@dataclass
class Endpoint:
    """A data endpoint that fills a list by script, and how to page through it."""

    url: str
    method: str = "GET"
    params: dict[str, str] = field(default_factory=dict)
    start_key: str | None = None
    end_key: str | None = None
    perpage_key: str | None = None
    page_key: str | None = None
    perpage: int = 15


@dataclass
class PageInfo:
    """What a page says about itself (发展指引 meta tags, title) and what it is."""

    title: str
    meta: dict[str, str]
    kind: str  # annual_report | interpretation | notice | other
    is_report_column: bool
    is_article: bool


# ---- titles --------------------------------------------------------------------------------
# Company and NGO yearly filings (企业年度报告公示, 社会组织年检) are not government reports.
NON_GOV_WORDS = re.compile(r"企业年度报告|年报公示|社会组织年度报告|年检")


def classify_title(title: str) -> str:
    """``annual_report``, ``interpretation`` (解读), ``notice`` (compiling notices etc.) or
    ``other``, from a page title.

    This is the crawler's own *navigation* rule: it decides which pages are report pages
    (whose attachments are fetched) and how the crawl report lists them. It stays deliberately
    small and independent of :mod:`parsers` (ARCHITECTURE.md: the crawler imports only
    ``archive`` and ``catalog.registry``); what a document really is, the parser decides later
    from its text. Look-alikes are recognised first, since they mention 年度报告 too."""
    t = re.sub(r"\s+", "", title or "")
    if not t or NON_GOV_WORDS.search(t):
        return "other"
    if INTERPRETATION_WORDS.search(t) and REPORT_WORDS.search(t):
        return "interpretation"
    if NOTICE_WORDS.search(t) and REPORT_WORDS.search(t):
        return "notice"
    if REPORT_WORDS.search(t) and ("公开" in t or "年报" in t):
        return "annual_report"
    return "other"


_YEAR_ONLY = re.compile(r"^\s*(?:19|20)\d{2}\s*年?(?:度)?\s*$")


def is_year_filter(link: Link) -> bool:
    """A link whose whole text is a year (``2019``, ``2019年``): a list's year filter/view."""
    return bool(_YEAR_ONLY.match(link.text or ""))


def looks_like_report_text(text: str) -> bool:
    """Anchor text that may lead to a report or a report column (look-alikes included)."""
    t = re.sub(r"\s+", "", text or "")
    return bool(REPORT_WORDS.search(t) or COLUMN_WORDS.search(t))


def url_shape(url: str) -> str:
    """A URL with its digits masked: consecutive links of one shape (``/rili/2021-01.html`` →
    ``/rili/2021-02.html`` → …) are how endless calendars and pagers look."""
    parts = urlsplit(url)
    return re.sub(r"\d+", "#", f"{parts.hostname}{parts.path}?{parts.query}")


def is_article_url(url: str) -> bool:
    path = urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else "")
    return any(rx.search(path) for rx in _ARTICLE_SHAPES)


def is_list_url(url: str) -> bool:
    return any(rx.search(urlsplit(url).path) for rx in _LIST_SHAPES) and not is_article_url(url)


# ---- page -----------------------------------------------------------------------------------
def page_meta(sel: Selector) -> dict[str, str]:
    """The page's ``<meta name=… content=…>`` tags (发展指引 names kept as written)."""
    out: dict[str, str] = {}
    for m in sel.xpath("//meta[@name][@content]"):
        name = (m.attrib.get("name") or "").strip()
        if name and name not in out:
            out[name] = (m.attrib.get("content") or "").strip()
    return out


_TITLE_SUFFIX = re.compile(r"\s*(?:[_|｜]|\s-\s|——).*$")


def page_title(sel: Selector, meta: dict[str, str] | None = None) -> str:
    """The page's own title: ``ArticleTitle`` meta, an article heading, or ``<title>`` without
    the site-name suffix (``报告标题_某某市人民政府``); a site header's ``<h1>`` is not a title."""
    meta = meta if meta is not None else page_meta(sel)
    for key in ("ArticleTitle", "articletitle"):
        if meta.get(key):
            return meta[key]
    for xp in ("//h1[contains(@class,'title')]//text()", "//*[contains(@class,'article')]//h1//text()"):
        text = "".join(sel.xpath(xp).getall()).strip()
        if text:
            return re.sub(r"\s+", " ", text)[:300]
    title = re.sub(r"\s+", " ", "".join(sel.xpath("//title//text()").getall())).strip()
    stripped = _TITLE_SUFFIX.sub("", title)
    return (stripped or title)[:300]


def page_info(url: str, sel: Selector) -> PageInfo:
    """What kind of page this is: a report (or look-alike) article, a report column, other."""
    meta = page_meta(sel)
    title = page_title(sel, meta)
    column_type = meta.get("ColumnType", "") + " " + meta.get("ColumnName", "")
    article = bool(meta.get("ArticleTitle")) or is_article_url(url)
    kind = classify_title(title) if article or REPORT_WORDS.search(title) else "other"
    html_title = " ".join(sel.xpath("//title/text()").getall())
    is_column = (not meta.get("ArticleTitle")) and bool(
        COLUMN_WORDS.search(re.sub(r"\s+", "", column_type))
        or (not article and COLUMN_WORDS.search(re.sub(r"\s+", "", html_title)))
    )
    return PageInfo(title=title, meta=meta, kind=kind, is_report_column=is_column, is_article=article)


def _clean_url(base: str, href: str) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        url = urljoin(base, safe_url_string(href))
    except ValueError:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    return urlunsplit(parts._replace(fragment=""))


def links(url: str, sel: Selector) -> list[Link]:
    """Every link of a page with its kind (see :class:`Link`)."""
    out: dict[str, Link] = {}
    for a in sel.xpath("//a[@href] | //area[@href]"):
        target = _clean_url(url, a.attrib.get("href", ""))
        if not target:
            continue
        text = re.sub(r"\s+", " ", "".join(a.xpath(".//text()").getall())).strip()
        title = (a.attrib.get("title") or "").strip()
        both = f"{text} {title}"
        if is_attachment_url(target):
            kind = "attachment"
        elif looks_like_report_text(both):
            kind = "report" if (is_article_url(target) or YEAR.search(both)) else "column"
        elif NEXT_PAGE_WORDS.match(text):
            kind = "pagination"
        elif is_article_url(target):
            kind = "article"
        elif len(text.replace(" ", "")) <= 16 or MORE_LINK.match(text) or NAV_WORDS.search(both):
            kind = "nav"
        else:
            kind = "article"
        prev = out.get(target)
        if prev is None or (prev.kind in ("nav", "article") and kind not in ("nav", "article")):
            out[target] = Link(target, text, kind, title)
    # iframes and frames embed lists on many platforms
    for f in sel.xpath("//iframe[@src] | //frame[@src]"):
        target = _clean_url(url, f.attrib.get("src", ""))
        if target and target not in out:
            out[target] = Link(target, "", "nav")
    return list(out.values())


# ---- pagination -----------------------------------------------------------------------------
def create_page_urls(url: str, html: str) -> list[str]:
    """TRS ``createPageHTML(pages, current, "index", "html")``: page 0 is ``index.html``, page
    i is ``index_i.html`` in the same folder."""
    out: list[str] = []
    for m in _CREATE_PAGE.finditer(html):
        pages, stem, ext = int(m.group(1)), m.group(3), m.group(4)
        for i in range(0, pages):
            name = f"{stem}.{ext}" if i == 0 else f"{stem}_{i}.{ext}"
            out.append(urljoin(url, name))
    return list(dict.fromkeys(out))


_PAGER_HREF = re.compile(r"^(?P<dir>.*/)(?P<stem>index|list)_(?P<n>\d+)\.(?P<ext>s?html?)$", re.I)


def index_n_urls(url: str, html: str, sel: Selector) -> list[str]:
    """``index_N.html`` / ``list_N.htm`` lists: every page between the lowest and the highest
    number the pager links to in this list's folder (or a page-count script variable states),
    so a pager that shows only a window of pages does not hide the rest. Families number
    differently (TRS starts at ``index_1``, others at ``list_2``), hence the lowest *seen*."""
    here = urlsplit(url)
    folder = here.path.rsplit("/", 1)[0] + "/"
    groups: dict[tuple[str, str], list[int]] = {}
    for href in [url, *sel.xpath("//a/@href").getall()]:
        target = urlsplit(urljoin(url, href))
        if target.netloc != here.netloc:
            continue
        m = _PAGER_HREF.match(target.path)
        if m and m.group("dir") == folder:
            groups.setdefault((m.group("stem"), m.group("ext")), []).append(int(m.group("n")))
    out: list[str] = []
    vm = _PAGE_COUNT_VARS.search(html)
    for (stem, ext), numbers in groups.items():
        lowest, highest = min(numbers), max(numbers)
        if vm:
            highest = max(highest, int(vm.group(1)) - (1 if lowest <= 1 else 0))
        out.extend(urljoin(url, f"{folder}{stem}_{i}.{ext}") for i in range(lowest, highest + 1))
    return out


_QUERY_PAIR = re.compile(r"[?&](\w+)=([^&'\"\s+]*)")
_NUM_VAR = re.compile(r"\b(?:var|let|const)?\s*(\w+)\s*=\s*(\d+)\s*[;,\n]")


def script_endpoints(url: str, sel: Selector) -> list[Endpoint]:
    """Data endpoints named in inline scripts (Hanweb ``dataproxy.jsp`` and similar), with the
    parameters the script passes and the keys that page through them.

    Scripts build the query by concatenation (``"…dataproxy.jsp?startrecord=" + start +
    "&endrecord=" + … + "&columnid=12&unitid=37"``), in object literals (``columnid: 12``) or
    from variables (``var perpage = 15``): all three are read. Parameters whose value is
    computed (empty here) are the paging keys, filled in by :func:`endpoint_request`."""
    out: list[Endpoint] = []
    seen: set[str] = set()
    for script in sel.xpath("//script[not(@src)]/text()").getall():
        for m in _SCRIPT_URL.finditer(script):
            raw = m.group(1)
            if raw.lower().endswith((".js", ".css")):
                continue
            base = urljoin(url, raw.split("?", 1)[0])
            if base in seen:
                continue
            seen.add(base)
            numbers = {k: v for k, v in _NUM_VAR.findall(script)}
            query: dict[str, str] = {}
            for key, value in _QUERY_PAIR.findall(script):
                query.setdefault(key, value)
            params: dict[str, str] = {}
            for pm in _SCRIPT_PARAM.finditer(script):
                key, sval, nval = pm.group(1), pm.group(2), pm.group(3)
                if key.lower() in ("url", "type", "method", "datatype", "success", "error",
                                   "async", "cache", "contenttype", "datastore", "proxyurl"):
                    continue
                params[key] = sval if sval is not None else nval
            mm = _SCRIPT_METHOD.search(script)
            method = mm.group(1).upper() if mm else "GET"
            fixed = {k: v for k, v in query.items() if v}
            ep = Endpoint(url=base + ("?" + urlencode(fixed) if fixed else ""), method=method,
                          params=params if method == "POST" else {**params, **fixed})
            allkeys = {**query, **params}
            lower = {k.lower(): k for k in allkeys}
            ep.start_key = next((lower[k] for k in START_KEYS if k in lower), None)
            ep.end_key = next((lower[k] for k in END_KEYS if k in lower), None)
            ep.perpage_key = next((lower[k.lower()] for k in PERPAGE_KEYS if k.lower() in lower), None)
            ep.page_key = next((lower[k.lower()] for k in PAGE_KEYS if k.lower() in lower), None)
            if ep.perpage_key:
                value = allkeys.get(ep.perpage_key) or numbers.get(ep.perpage_key) or ""
                if value.isdigit() and int(value) > 0:
                    ep.perpage = int(value)
            out.append(ep)
    return out


def batch_size(ep: Endpoint) -> int:
    """Records per request of a script endpoint (see :func:`endpoint_request`)."""
    return ep.perpage * (3 if ep.end_key else 1) if ep.start_key else ep.perpage


def endpoint_request(ep: Endpoint, index: int) -> tuple[str, str, bytes]:
    """URL, method and body of the ``index``-th (0-based) batch of a script endpoint. Record
    ranges (``startrecord``/``endrecord``) take three pages of ``perpage`` records per batch, as
    Hanweb's own list script does; page numbers start at 1."""
    parts = urlsplit(ep.url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    params = dict(ep.params)
    target = query if (ep.start_key in query or ep.page_key in query or ep.method == "GET") else params
    n = batch_size(ep)
    if ep.start_key:
        start = index * n + 1 if ep.start_key.lower() == "startrecord" else index * n
        target[ep.start_key] = str(start)
        if ep.end_key:
            end = start + n - 1 if ep.end_key.lower() == "endrecord" else start + n
            target[ep.end_key] = str(end)
    elif ep.page_key:
        target[ep.page_key] = str(index + 1)
    if ep.perpage_key:
        target[ep.perpage_key] = str(ep.perpage)
    if ep.method == "GET":
        query.update(params)
        url = urlunsplit(parts._replace(query=urlencode(query)))
        return url, "GET", b""
    url = urlunsplit(parts._replace(query=urlencode(query)))
    return url, "POST", urlencode(params).encode()


def endpoint_total(body: str) -> int | None:
    """Total record count an endpoint answer states (XML ``<totalrecord>`` or JSON ``total``)."""
    m = _TOTAL.search(body)
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def endpoint_links(url: str, body: str) -> list[Link]:
    """Links in an endpoint answer: HTML fragments in CDATA records (Hanweb), JSON objects
    with url/title fields, or plain HTML."""
    fragments: list[str] = _CDATA.findall(body)
    found: list[Link] = []
    stripped = body.lstrip()
    if stripped[:1] in "[{":
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if data is not None:
            found.extend(_json_links(url, data))
            for s in _json_strings(data):
                if "<a" in s:
                    fragments.append(s)
    if not fragments and not found:
        fragments = [body]
    for frag in fragments:
        found.extend(links(url, Selector(text=frag)))
    out: dict[str, Link] = {}
    for link in found:
        out.setdefault(link.url, link)
    return list(out.values())


def _json_strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for v in data.values():
            yield from _json_strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from _json_strings(v)


def _json_links(url: str, data: object) -> Iterator[Link]:
    if isinstance(data, list):
        for v in data:
            yield from _json_links(url, v)
    elif isinstance(data, dict):
        href = next((data[k] for k in ("url", "href", "link", "linkurl", "docurl", "path")
                     if isinstance(data.get(k), str)), None)
        title = next((data[k] for k in ("title", "name", "doctitle", "text")
                      if isinstance(data.get(k), str)), "")
        if href:
            target = _clean_url(url, href)
            if target:
                kind = "attachment" if is_attachment_url(target) else (
                    "report" if looks_like_report_text(title) else "article")
                yield Link(target, title, kind)
        for v in data.values():
            if isinstance(v, (list, dict)):
                yield from _json_links(url, v)


def has_script_list(sel: Selector) -> bool:
    """A list area that scripts fill (empty container next to paging scripts)."""
    scripts = " ".join(sel.xpath("//script/@src").getall() + sel.xpath("//script[not(@src)]/text()").getall())
    return bool(re.search(r"jpage|dataproxy|ajax|fetch\(|XMLHttpRequest|\$\.get|\$\.post|axios", scripts, re.I))


def canonical(url: str) -> str:
    """The form used to compare URLs (sorted query, no fragment)."""
    return canonicalize_url(url, keep_fragments=False)


def unique(urls: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(urls))
