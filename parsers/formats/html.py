"""HTML pages: charset, content area, tables, meta tags, 信息公开目录 fields, dates and links.

Decoding follows the evidence order of DOMAIN.md §5 (HTTP header → BOM → ``<meta charset>`` →
detection with charset-normalizer); GB2312/GBK are decoded as their superset GB18030, because
pages that declare gb2312 routinely contain characters only GBK/GB18030 define.

The content area is found by a text-density heuristic (see :func:`content_area`), tables are
expanded with :mod:`parsers.formats.grid`, and the text is produced by one non-recursive walk so
hostile nesting depth cannot exhaust Python's stack.
"""

from __future__ import annotations

import codecs
import re
from urllib.parse import urljoin

from lxml import etree

from parsers.formats.base import ExtractedDocument, Limits, Table, failed
from parsers.formats.grid import TableTooLarge, as_text, clean_cell, place_cells, trim
from parsers.formats.textutil import (
    LABELLED_DATE_RE,
    clean_text,
    date_strings,
    fields_in_line,
    normalise_label,
    short_date_line,
    text_end_dates,
)

# ---------------------------------------------------------------------------- decoding

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
              "cp936": "gb18030", "euc-cn": "gb18030", "iso-8859-1": "cp1252", "latin-1": "cp1252",
              "us-ascii": "utf-8", "ascii": "utf-8", "big5": "big5hkscs"}


def _codec(name: str) -> str | None:
    """A Python codec for a declared charset name (supersets for GB and Latin-1), or None."""
    name = name.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, content_type: str | None) -> tuple[str, str, str, list[str]]:
    """Decode a page. Returns (text, codec used, evidence, warnings); evidence is one of
    header|bom|meta|detected|fallback. A declared charset that does not decode the bytes is
    passed over (with a warning) for the next witness: portals that declare UTF-8 in the
    header but serve GBK are common."""
    warnings: list[str] = []
    candidates: list[tuple[str, str]] = []
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        candidates.append((m.group(1), "header"))
    for bom, name in _BOMS:
        if data.startswith(bom):
            candidates.append((name, "bom"))
            break
    if mb := _META_CHARSET.search(data[:8192]):
        candidates.append((mb.group(1).decode("ascii", "ignore"), "meta"))
    for declared, evidence in candidates:
        codec = _codec(declared)
        if codec is None:
            warnings.append(f"unknown charset {declared!r} declared ({evidence})")
            continue
        body = data[3:] if evidence == "bom" and codec == "utf-8" else data
        body = data[2:] if evidence == "bom" and codec.startswith("utf-16") else body
        try:
            return body.decode(codec), codec, evidence, warnings
        except UnicodeDecodeError:
            warnings.append(f"declared charset {declared} ({evidence}) does not decode the page")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
    except Exception:  # detection is best effort; any failure falls through to the fallback
        best = None
    if best is not None and best.encoding:
        codec = _codec(best.encoding) or "utf-8"
        return data.decode(codec, "replace"), codec, "detected", warnings
    return data.decode("utf-8", "replace"), "utf-8", "fallback", warnings


# ---------------------------------------------------------------------------- content area

_DROP_TAGS = ("script", "style", "noscript", "template", "select", "option", "textarea", "svg")
_CHROME_TAGS = {"nav", "footer", "aside"}
_CHROME_NAMES = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|footer|foot|bottom|breadcrumb|crumbs?|position|location|"
    r"copyright|banner|sidebar|side|share|toolbar|topbar|skip|friendlink|links)($|[\s_-])",
    re.I,
)
_CANDIDATES = {"div", "td", "article", "section", "main", "body", "center", "font", "form"}
_BLOCK = {
    "p", "div", "br", "tr", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table",
    "section", "article", "header", "footer", "dl", "dt", "dd", "blockquote", "pre", "center",
    "hr", "form", "title", "td", "th", "caption", "main", "nav", "aside", "address", "figure",
}


def _text(el: etree._Element) -> str:
    """All text inside an element (lxml.html's text_content for plain elements)."""
    return "".join(t for t in el.itertext() if isinstance(t, str))


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _text_len(s: str | None) -> int:
    return len("".join(s.split())) if s else 0


def _lengths(root: etree._Element) -> tuple[dict, dict]:
    """Total and link text length (non-blank characters) of every element, bottom-up in one
    pass over the elements in reverse document order (no recursion)."""
    total: dict = {}
    link: dict = {}
    for el in reversed(list(root.iter())):
        if not isinstance(el.tag, str):
            continue
        t = _text_len(el.text)
        lk = t if el.tag == "a" else 0
        for child in el:
            if not isinstance(child.tag, str):
                t += _text_len(child.tail)
                continue
            t += total.get(child, 0) + _text_len(child.tail)
            lk += total.get(child, 0) if child.tag == "a" else link.get(child, 0)
        total[el] = t
        link[el] = lk
    return total, link


def _is_chrome(el: etree._Element) -> bool:
    if el.tag in _CHROME_TAGS:
        return True
    names = f"{el.get('id', '')} {el.get('class', '')}"
    return bool(names.strip()) and bool(_CHROME_NAMES.search(names))


def content_area(body: etree._Element) -> etree._Element:
    """The element that holds the article, without site chrome.

    Heuristic: site chrome (nav/footer/aside, and elements whose id/class names navigation,
    footers, breadcrumbs, copyright…) is set aside unless it holds most of the page's text; then
    N = non-link text of what remains, and the answer is the deepest div/td/article/section whose
    own non-link text is at least 80% of N. Navigation is mostly link text and the footer is
    a small share of a report, so the deepest element keeping 80% of the prose is the article
    container; taking the *deepest* one avoids returning <body> with its chrome."""
    total, link = _lengths(body)
    page_total = max(total.get(body, 0), 1)
    removed = False
    for el in list(body.iter()):
        if el is body or not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if _is_chrome(el) and total.get(el, 0) < 0.5 * page_total:
            el.getparent().remove(el)  # tail text moves with it; chrome tails are blank in practice
            removed = True
    if removed:
        total, link = _lengths(body)
    target = 0.8 * max(total.get(body, 0) - link.get(body, 0), 1)
    best, best_size = body, total.get(body, 0)
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag not in _CANDIDATES:
            continue
        nonlink = total.get(el, 0) - link.get(el, 0)
        if nonlink >= target and total.get(el, 0) <= best_size:
            best, best_size = el, total.get(el, 0)
    return best


# ---------------------------------------------------------------------------- tables


def _own_rows(table: etree._Element) -> list[etree._Element]:
    return table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")


def _cell_text(cell: etree._Element) -> str:
    """A cell's text with <br>/<p>/<div> boundaries as line breaks, then joined by clean_cell."""
    parts: list[str] = []
    for ev, el in etree.iterwalk(cell, events=("start", "end")):
        if not isinstance(el.tag, str):
            if ev == "end" and el.tail:
                parts.append(el.tail)
            continue
        if ev == "start":
            if el.tag in _BLOCK and el is not cell:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
        else:
            if el.tag in _BLOCK and el is not cell:
                parts.append("\n")
            if el.tail and el is not cell:
                parts.append(el.tail)
    return clean_cell("".join(parts))


_LEADING_INT = re.compile(r"\s*(\d{1,6})")


def _span(cell: etree._Element, name: str) -> int:
    m = _LEADING_INT.match(cell.get(name) or "")
    return int(m.group(1)) if m else 1


def html_table(table: etree._Element, max_cells: int) -> Table | None:
    """Expand one <table> (rowspan/colspan) into a Table; None for an empty or layout table."""
    trs = [(tr, tr.xpath("./td|./th")) for tr in _own_rows(table)]
    count = sum(len(tds) for _, tds in trs)
    if count > max_cells:  # refuse before reading any cell's text
        raise TableTooLarge(f"table of {count} cells exceeds {max_cells} cells")
    rows = [[(_cell_text(td), _span(td, "rowspan"), _span(td, "colspan")) for td in tds] for _, tds in trs]
    grid, spans = place_cells(rows, max_cells=max_cells)
    return trim(Table(rows=grid, spans=spans))


def _is_data_table(table: etree._Element) -> bool:
    """Layout tables (frames around an article) hold nested tables or a single column; data
    tables are the rest."""
    if table.xpath(".//table"):
        return False
    rows = _own_rows(table)
    if len(rows) < 2:
        return False
    return max((len(tr.xpath("./td|./th")) for tr in rows), default=0) >= 2


# ---------------------------------------------------------------------------- text walk


def _walk(area: etree._Element, limits: Limits, warnings: list[str]) -> tuple[str, list[Table]]:
    """Text of the content area in reading order, with data tables as tab-separated lines in
    place, and the tables themselves (caption = the last text line before each table)."""
    out: list[str] = []
    tables: list[Table] = []
    walker = etree.iterwalk(area, events=("start", "end"))
    for ev, el in walker:
        if not isinstance(el.tag, str):
            if ev == "end" and el.tail:
                out.append(el.tail)
            continue
        if ev == "start":
            if el.tag == "table" and _is_data_table(el):
                try:
                    table = html_table(el, limits.max_table_cells)
                except TableTooLarge as exc:
                    warnings.append(f"table dropped: {exc}")
                    table = None
                if table is not None:
                    before = clean_text("".join(out)).split("\n")
                    table.caption = before[-1][:200] if before and "\t" not in before[-1] else ""
                    tables.append(table)
                    out.append("\n" + as_text(table) + "\n")
                walker.skip_subtree()
                continue
            if el.tag in _BLOCK:
                out.append("\n")
            if el.tag in ("td", "th"):
                out.append("\n")
            if el.text:
                out.append(el.text)
        else:
            if el.tag in _BLOCK:
                out.append("\n")
            if el.tail and el is not area:
                out.append(el.tail)
    return clean_text("".join(out)), tables


# ---------------------------------------------------------------------------- page metadata

_ATTACHMENT = re.compile(
    r"\.(pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z|txt|rtf)(\?|#|$)|downfile|download|getfile|attach",
    re.I,
)
# a pager's links ("1 2 3 下一页 尾页"): an article cut into pages links its own pages this way,
# usually below the article container, so they are kept wherever they are
_PAGER_TEXT = re.compile(r"^(?:\[?\d{1,3}\]?|第\s*\d{1,3}\s*页|[上下]一?页|首页|末页|尾页|next|prev)$", re.I)


def _meta(root: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip()
        content = m.get("content")
        if name and content is not None and name not in meta:
            meta[name] = " ".join(content.split())
    return meta


def _links(root: etree._Element, area: etree._Element, base: str | None) -> list[tuple[str, str]]:
    """Every link in the content area, plus attachment-looking links, embedded documents and
    pager links anywhere on the page (attachment lists and an article's pager often sit
    outside the article container)."""
    in_area = set(area.iter("a"))
    seen: set[str] = set()
    out = []
    for el in root.iter("a", "iframe", "embed", "object"):
        href = (el.get("href") or el.get("src") or el.get("data") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        anchor = clean_cell(_text(el)) if el.tag == "a" else ""
        if el not in in_area and not _ATTACHMENT.search(href) and not _PAGER_TEXT.match(anchor):
            continue
        url = urljoin(base, href) if base else href
        if url in seen:
            continue
        seen.add(url)
        text = anchor or (el.get("title") or "").strip()
        out.append((url, text))
    return out


def _fields_from_cells(root: etree._Element) -> dict[str, str]:
    """信息公开目录 boxes: a cell (td/th/dt/span/label/strong/b) holding a known label followed by
    the sibling cell holding its value."""
    fields: dict[str, str] = {}
    for el in root.iter("td", "th", "dt", "span", "label", "strong", "b", "em", "li", "p", "div"):
        if len(el) > 3:
            continue
        raw = (el.text or "") if len(el) == 0 else _text(el)
        if len(raw) > 24:  # labels are short; skip the regex for everything else
            continue
        label = normalise_label(raw)
        if not label or label in fields:
            continue
        sib = el.getnext()
        while sib is not None and not isinstance(sib.tag, str):
            sib = sib.getnext()
        tail = (el.tail or "").strip(" ：:\u00a0\u3000")
        value = tail or (clean_cell(_text(sib)) if sib is not None else "")
        if value and not normalise_label(value):
            fields[label] = value[:300]
    return fields


def _info_lines(body: etree._Element, area: etree._Element, area_text: str) -> list[str]:
    """Where info bars ("发布时间：… 来源：…") and 目录 boxes sit: short text lines of the page
    outside the content area, plus the short lines that open the content area (title, info
    bar) up to the first paragraph of prose or table."""
    skip = set(area.iter()) | set(area.iterancestors())
    outside = []
    for el in body.iter("div", "p", "span", "td", "li", "h1", "h2", "h3", "h4", "font", "em"):
        if el in skip:
            continue
        txt = " ".join(_text(el).split())
        if 0 < len(txt) <= 200 and len(el) <= 12:
            outside.append(txt)
    head: list[str] = []
    for ln in area_text.split("\n"):
        if not ln.strip():
            continue
        if "\t" in ln or len(ln) > 100 or len(head) >= 8:
            break
        head.append(ln)
    return outside + head


def _attachment_links(root: etree._Element, base: str | None) -> list[tuple[str, str]]:
    out = []
    for el in root.iter("a", "iframe", "embed", "object"):
        href = (el.get("href") or el.get("src") or el.get("data") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")) or not _ATTACHMENT.search(href):
            continue
        text = clean_cell(_text(el)) if el.tag == "a" else (el.get("title") or "").strip()
        out.append((urljoin(base, href) if base else href, text))
    return out


_LABELLED = re.compile(r"^(发布|发文|成文|公开|生成|印发|更新|日期|时间)")
_SECTION_HEADING = re.compile(r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.、])")


def _title(root: etree._Element, area: etree._Element, area_text: str = "") -> str | None:
    """The article's title. Pages repeat it in <title> (with a site suffix) and show it in a
    heading; site names and section headings are headings too. So: the longest heading-like
    text that <title> contains; else the first non-section heading of the content area; else
    <title> itself."""
    titles = root.xpath("//title")
    page_title = clean_cell(_text(titles[0])) if titles else ""
    candidates: list[tuple[bool, str]] = []
    in_area = set(area.iter())
    xp = ".//h1|.//h2|.//h3|.//*[contains(@class,'title')]|.//p[@align='center' or contains(@style,'center')]"
    for el in root.xpath(xp):
        txt = clean_cell(_text(el))
        if 4 <= len(txt) <= 200 and not _SECTION_HEADING.match(txt):
            candidates.append((el in in_area, txt))
    # the article's opening lines, where editors paste the title as a plain paragraph
    for line in [ln for ln in area_text.split("\n") if ln.strip() and "\t" not in ln][:3]:
        if 4 <= len(line) <= 200 and not _SECTION_HEADING.match(line):
            candidates.append((True, line.strip()))
    compact = re.sub(r"\s+", "", page_title)
    matching = [t for _, t in candidates if re.sub(r"\s+", "", t) in compact]
    if matching:
        return max(matching, key=len)
    for inside, txt in candidates:
        if inside:
            return txt
    return page_title or (candidates[0][1] if candidates else None)


# ---------------------------------------------------------------------------- entry point


def extract_html(data: bytes, *, url: str | None, content_type: str | None, limits: Limits,
                 where: str) -> ExtractedDocument:
    """Read one HTML page (see module docstring)."""
    if len(data) > limits.max_html_bytes:
        return failed("html", where, f"page of {len(data)} bytes exceeds the HTML limit of "
                      f"{limits.max_html_bytes} bytes; not parsed")
    text, codec, evidence, warnings = decode_html(data, content_type)
    if evidence != "header":
        warnings.append(f"charset {codec} by {evidence}")
    if not text.strip():
        doc = failed("html", where, "empty page")
        doc.charset = codec
        return doc
    try:
        # plain lxml.etree elements: lxml.html's per-element class lookup doubled the cost
        parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
        if root is None:
            raise ValueError("no document element")
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
            # libxml2 stops descending at 256 levels (a broken or hostile page): say so
            warnings.append("elements nested too deeply (libxml2 limit 256); content below "
                            "that depth not read")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        doc = failed("html", where, f"unparseable HTML ({exc})")
        doc.charset = codec
        return doc
    for bad in list(root.iter(*_DROP_TAGS)):
        if bad.getparent() is not None:
            _drop(bad)
    meta = _meta(root)
    bases = root.xpath("//base/@href")
    base = urljoin(url, bases[0]) if (bases and url) else url
    # field boxes and attachment lists often sit in what the content heuristic prunes as
    # chrome, so both are read from the whole page first
    fields = _fields_from_cells(root)
    attachments = _attachment_links(root, base)
    body = root.find("body")
    if body is None:
        body = root
    area = content_area(body)
    area_text, tables = _walk(area, limits, warnings)
    links = _links(root, area, base)
    seen = {u for u, _ in links}
    for u, t in attachments:
        if u not in seen:
            seen.add(u)
            links.append((u, t))
    info = _info_lines(body, area, area_text)
    for line in info:
        for label, value in fields_in_line(line):
            fields.setdefault(label, value[:300])
    dates: list[tuple[str, str]] = []
    for name, value in meta.items():
        if re.search(r"date|time|pub", name, re.I) and LABELLED_DATE_RE.search(value):
            dates.append(("meta", f"{name}={value}"))
    seen_dates: set[str] = set()
    for line in info:
        if len(line) > 200:
            continue
        for d in date_strings(line):
            # an unlabelled date counts only on a short line (an info bar, a 目录 cell); in a
            # sentence it is a statistics period or an event, not the page's date
            if not _LABELLED.match(d) and not short_date_line(line):
                continue
            if d not in seen_dates:
                seen_dates.add(d)
                dates.append(("page", d))
    dates.extend(text_end_dates(area_text))
    return ExtractedDocument(
        format="html", text=area_text, tables=tables, title=_title(root, area, area_text), html_meta=meta,
        fields=fields, dates=dates, links=links, charset=codec, pages=None, needs_ocr=False,
        warnings=warnings,
    )
