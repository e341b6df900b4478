"""Multi-page articles: find an article's further pages, and join the pages into one document.

CMSs cut long articles into pages (TRS ``t20240120_123.html`` → ``t20240120_123_1.html``;
static sites ``123.htm`` → ``123_2.htm``), each page a complete HTML document with the title and
meta tags repeated, the body continuing, and a pager ("1 2 下一页"). A report split this way has
表三 on one page and 表四, section 五, 六 and the signature on the next, so read page by page it
is never whole: no page has all six sections, T4-A cannot be checked next to T3-A, and the
signature date sits on the last page only.

:func:`continuation_urls` says which links of a page are its own further pages (the first
page's file name plus ``_<n>``, never another article), and :func:`join_pages` makes one
:class:`ExtractedDocument` of the pages in order, which
:func:`parsers.report.parse_article` then reads as a single report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from parsers.formats.base import ExtractedDocument

_PAGE_FILE = re.compile(r"^(?P<stem>.+)\.(?P<ext>s?html?|jhtml)$", re.I)


def _split(url: str) -> tuple[str, str, str] | None:
    """(site, path without extension, extension) of a page URL; None when its path names no
    HTML file (a directory, a script with a query)."""
    split = urlsplit(url)
    m = _PAGE_FILE.match(split.path)
    if not m:
        return None
    site = urlunsplit((split.scheme.lower(), split.netloc.lower(), "", "", ""))
    return site, m.group("stem"), m.group("ext").lower()


def _page_number(url: str, article: tuple[str, str, str]) -> int | None:
    """0 for the article's first page, n for ``<first page's stem>_<n>.<ext>``, None for any
    other URL."""
    parts = _split(url)
    if parts is None or (parts[0], parts[2]) != (article[0], article[2]):
        return None
    if parts[1] == article[1]:
        return 0
    prefix = article[1] + "_"
    rest = parts[1][len(prefix):] if parts[1].startswith(prefix) else ""
    return int(rest) if rest.isdigit() and len(rest) <= 3 else None


def continuation_urls(doc: ExtractedDocument, url: str | None,
                      article_url: str | None = None) -> list[str]:
    """The further pages of an article that the links of its page ``doc`` (at ``url``) point
    to, in page order.

    ``article_url`` is the article's first page (default: ``url`` itself). A continuation has
    the first page's file name plus ``_<n>`` (same site, directory and extension) and a larger
    ``n`` than ``url``, whatever its anchor text ("2", "下一页", "第2页"). The first page's name
    must be known because the suffix is ambiguous on its own: TRS names articles
    ``t20240120_123.html`` and their pages ``t20240120_123_1.html``, so ``_123`` alone does not
    say "page 123". Pages reached only by "下一页" chains are found by calling this on each
    page in turn with the same ``article_url``."""
    if not url:
        return []
    article = _split(article_url or url)
    if article is None:
        return []
    current = _page_number(url, article)
    if current is None:
        return []
    found: dict[int, str] = {}
    for link, _text in doc.links:
        number = _page_number(link, article)
        if number is not None and number > current:
            found.setdefault(number, urlunsplit(urlsplit(link)._replace(fragment="")))
    return [found[n] for n in sorted(found)]


def join_pages(pages: Sequence[ExtractedDocument]) -> ExtractedDocument:
    """One document of an article's pages, in reading order.

    The text and the tables run on from page to page; the title, meta tags, 目录 fields and
    page dates are the first page's (later pages repeat them); the dates found at the end of
    the text are the last page's (the signature is there); links and warnings of every page
    are kept, each warning once."""
    if not pages:
        raise ValueError("join_pages needs at least one page")
    if len(pages) == 1:
        return pages[0]
    first, last = pages[0], pages[-1]
    text = "\n\n".join(p.text for p in pages if p.text)
    dates = [d for d in first.dates if d[0] != "text_end"]
    dates += [d for d in last.dates if d[0] == "text_end" and d not in dates]
    links: list[tuple[str, str]] = []
    seen_links: set[str] = set()
    warnings: list[str] = []
    for page in pages:
        for link in page.links:
            if link[0] not in seen_links:
                seen_links.add(link[0])
                links.append(link)
        warnings.extend(w for w in page.warnings if w not in warnings)
    fields = dict(first.fields)
    for page in pages[1:]:
        for key, value in page.fields.items():
            fields.setdefault(key, value)
    return ExtractedDocument(
        format=first.format,
        text=text,
        tables=[t for p in pages for t in p.tables],
        title=first.title or next((p.title for p in pages if p.title), None),
        html_meta=dict(first.html_meta),
        fields=fields,
        dates=dates,
        links=links,
        charset=first.charset,
        pages=len(pages),
        needs_ocr=any(p.needs_ocr for p in pages),
        warnings=warnings,
    )
