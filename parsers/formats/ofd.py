"""OFD (GB/T 33190, China's fixed-layout format): text from each page's Content.xml.

An OFD file is a zip of XML: ``OFD.xml`` points to a ``Document.xml`` that lists the pages in
order, and each page's ``Content.xml`` holds ``TextObject`` elements (with a Boundary) whose
``TextCode`` children carry the text. No maintained Python OFD reader exists, so this is
hand-written and text-only: text objects are sorted top-to-bottom, left-to-right and those on
one baseline form a line. Tables (drawn as paths) are not reconstructed; a warning says so.
Zip and DTD checks run before any XML is parsed; lxml runs with entities and network off.
"""

from __future__ import annotations

import posixpath
import re

from lxml import etree

from parsers.formats.base import ExtractedDocument, Limits, failed
from parsers.formats.containers import Refused, open_zip, read_member, refuse_dtds
from parsers.formats.textutil import clean_text, text_end_dates

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml(zf, name: str):
    return etree.fromstring(read_member(zf, name), parser=_PARSER)


def _resolve(names: dict[str, str], base_dir: str, loc: str) -> str | None:
    """A zip member for an OFD location, relative to ``base_dir`` or absolute ("/Doc_0/…")."""
    loc = loc.strip().replace("\\", "/")
    path = posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc))
    return names.get(path.lower())


def _page_parts(zf) -> list[str]:
    names = {n.lower(): n for n in zf.namelist()}
    pages: list[str] = []
    try:
        root = _xml(zf, names.get("ofd.xml", "OFD.xml"))
        for docroot in (el for el in root.iter() if _local(el.tag) == "DocRoot"):
            doc_name = _resolve(names, "", docroot.text or "")
            if not doc_name:
                continue
            document = _xml(zf, doc_name)
            doc_dir = posixpath.dirname(doc_name)
            for page in (el for el in document.iter() if _local(el.tag) == "Page"):
                base = page.get("BaseLoc") or ""
                part = _resolve(names, doc_dir, base)
                if part and not part.lower().endswith(".xml"):
                    part = _resolve(names, doc_dir, posixpath.join(base, "Content.xml"))
                if part:
                    pages.append(part)
    except (Refused, etree.XMLSyntaxError, KeyError):
        pages = []
    if not pages:  # no usable index: every page content part, in natural order
        def key(n: str) -> list:
            return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", n)]

        pages = sorted((n for n in zf.namelist() if n.lower().endswith("content.xml")), key=key)
    return pages


def _page_text(root) -> str:
    items: list[tuple[float, float, str]] = []
    for obj in root.iter():
        if _local(obj.tag) != "TextObject":
            continue
        try:
            bx, by = (float(v) for v in (obj.get("Boundary") or "0 0").split()[:2])
        except ValueError:
            bx = by = 0.0
        for code in obj:
            if _local(code.tag) != "TextCode" or not code.text:
                continue
            try:
                x = bx + float(code.get("X") or 0)
                y = by + float(code.get("Y") or 0)
            except ValueError:
                x, y = bx, by
            items.append((y, x, code.text))
    items.sort()
    lines: list[str] = []
    last_y = None
    for y, _x, text in items:
        if last_y is not None and abs(y - last_y) < 1.5:
            lines[-1] += text
        else:
            lines.append(text)
        last_y = y
    return "\n".join(lines)


def extract_ofd(data: bytes, *, limits: Limits, where: str) -> ExtractedDocument:
    """Read an OFD document's text (see module docstring)."""
    try:
        zf = open_zip(data, limits)
        refuse_dtds(zf)
        parts = _page_parts(zf)
        warnings = []
        if len(parts) > limits.max_pages:
            warnings.append(f"{len(parts)} pages; only the first {limits.max_pages} were read")
        texts = [_page_text(_xml(zf, p)) for p in parts[: limits.max_pages]]
    except Refused as exc:
        return failed("ofd", where, str(exc))
    except etree.XMLSyntaxError as exc:
        return failed("ofd", where, f"malformed OFD XML ({exc})")
    text = clean_text("\n".join(texts))
    warnings.append("OFD tables are not reconstructed (text only)")
    return ExtractedDocument(format="ofd", text=text, pages=len(parts), dates=text_end_dates(text),
                             warnings=warnings)
