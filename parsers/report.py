"""One document → the structured, checked report of issue 5 (the parser's public interface).

``parse_document`` reads bytes of any format (through :func:`parsers.formats.extract`) and
``parse_extracted`` does the report semantics on an already extracted document, so callers that
extracted once do not extract twice. Both return a plain JSON-able dict:

``is_report, kind, title, agency, agency_source, region_code, region_name, region_source, year,
published, published_source, published_evidence, published_candidates, template, sections,
tables {t2, t3, t4}, checks {T3-A, T3-B, T3-C, T4-A}, text, warnings, format, needs_ocr, ocr``
(``needs_ocr``: image-only, no text layer; ``ocr``: its text was then recognised by OCR).

Hints: ``headers`` (HTTP response headers: Content-Type, Last-Modified), ``referrer_html`` (the
article page that linked to an attachment: its meta tags and page dates date the attachment,
and its title names it when the attachment itself has none) and ``registry_hint`` (the
registry row of the agency the crawler fetched it for: ``name``, ``region_code``…).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parsers import dates as date_rules
from parsers.checks import prose_flags, run_checks
from parsers.detect import ANNUAL_REPORT, classify, classify_title
from parsers.formats.base import ExtractedDocument
from parsers.metadata import choose_title, find_agency, report_year, template_era
from parsers.regions import resolve_region
from parsers.sections import sections_found
from parsers.tables import read_tables

__all__ = ["classify_title", "parse_article", "parse_document", "parse_extracted"]


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def parse_document(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    referrer_html: bytes | None = None,
    registry_hint: dict | None = None,
    ocr: bool | None = None,
) -> dict[str, Any]:
    """Parse the bytes of one document (HTML, PDF, DOC/DOCX/WPS, XLS/XLSX, OFD, text).
    ``ocr`` turns OCR of image-only PDFs on or off (default: ``NIANBAO_OCR``, off)."""
    from parsers.formats import Limits, extract  # the format readers import heavier libraries

    content_type = content_type or _header(headers, "Content-Type")
    limits = Limits() if ocr is None else Limits(ocr=ocr)
    doc = extract(data, url=url, content_type=content_type, limits=limits)
    referrer = None
    if referrer_html:
        referrer = extract(referrer_html, content_type="text/html")
    return parse_extracted(
        doc, url=url, content_type=content_type, headers=headers, referrer=referrer,
        registry_hint=registry_hint,
    )


def parse_article(
    pages: Sequence[tuple[bytes, str | None]],
    *,
    headers: dict[str, str] | None = None,
    registry_hint: dict | None = None,
) -> dict[str, Any]:
    """Parse an article served as several pages (``[(bytes, url), …]`` in page order, the
    first page first) as one report: text, tables and sections of all pages together, so the
    checks see 表三 and 表四 side by side and the signature date on the last page counts.
    ``headers`` are the first page's. :func:`parsers.article.continuation_urls` finds the
    pages. The result is :func:`parse_document`'s, with ``pages`` (the URLs read)."""
    from parsers.article import join_pages
    from parsers.formats import extract

    if not pages:
        raise ValueError("parse_article needs at least one page")
    content_type = _header(headers, "Content-Type")
    docs = [extract(data, url=url, content_type=content_type if i == 0 else None)
            for i, (data, url) in enumerate(pages)]
    url = pages[0][1]
    result = parse_extracted(join_pages(docs), url=url, content_type=content_type,
                             headers=headers, registry_hint=registry_hint)
    result["pages"] = [u for _, u in pages]
    return result


def parse_extracted(
    doc: ExtractedDocument,
    *,
    url: str | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    referrer_html: bytes | None = None,
    registry_hint: dict | None = None,
    referrer: ExtractedDocument | None = None,
) -> dict[str, Any]:
    """The report semantics of an extracted document (same hints as :func:`parse_document`;
    ``referrer`` may be given already extracted instead of ``referrer_html``)."""
    if referrer is None and referrer_html:
        from parsers.formats import extract

        referrer = extract(referrer_html, content_type="text/html")
    warnings: list[str] = list(doc.warnings)
    text = doc.text or ""
    meta = dict(doc.html_meta)
    fields = dict(doc.fields)
    page_dates = list(doc.dates)
    if referrer is not None:
        for key, value in referrer.html_meta.items():
            meta.setdefault(key, value)
        for key, value in referrer.fields.items():
            fields.setdefault(key, value)
        page_dates = [d for d in referrer.dates if d[0] in ("meta", "page")] + page_dates

    title = choose_title(meta.get("ArticleTitle") or meta.get("articletitle"), text, doc.title)
    if referrer is not None and (not title or classify_title(title) == "other"):
        title = choose_title(referrer.html_meta.get("ArticleTitle"), "", referrer.title) or title

    tables = read_tables(doc.tables, text)
    warnings.extend(tables.warnings)
    sections = sections_found(text)
    kind = classify(title, text, sections, tables.t3 is not None, doc.links)

    year = report_year(title, text)
    region = resolve_region(
        [n for n in (title, meta.get("ContentSource"), fields.get("发布机构"),
                     (registry_hint or {}).get("name")) if n],
        year=year, site_id_code=meta.get("SiteIDCode") or meta.get("siteidcode"),
        hint=registry_hint,
    )
    if region:
        warnings.extend(region.warnings)
    agency, agency_source = find_agency(
        title=title, text=text, html_meta=meta, fields=fields,
        region_code=region.code if region else None, year=year, hint=registry_hint,
    )
    if region is None and agency:
        region = resolve_region([agency], year=year, site_id_code=meta.get("SiteIDCode"))

    candidates = date_rules.collect_candidates(
        text=text, html_meta=meta, fields=fields, page_dates=page_dates, url=url,
        headers=headers, year=year,
    )
    page_url = (referrer.html_meta.get("Url") or referrer.html_meta.get("url")) if referrer else None
    if page_url and page_url != url:  # the article page's own URL (发展指引 "Url" meta) dates it too
        extra = [c for c in date_rules.url_dates(page_url)
                 if (c.date, c.source) not in {(d.date, d.source) for d in candidates}]
        for c in extra:
            c.snippet = f"article page {c.snippet}"
            c.rejected = date_rules.rejection(c, year)
        candidates = date_rules.rank(candidates + extra)
    chosen = date_rules.choose(candidates)

    has_tables = any(t is not None for t in (tables.t2, tables.t3, tables.t4))
    return {
        "is_report": kind == ANNUAL_REPORT,
        "kind": kind,
        "title": title,
        "agency": agency,
        "agency_source": agency_source,
        "region_code": region.code if region else None,
        "region_name": region.name if region else None,
        "region_source": region.source if region else None,
        "year": year,
        "published": chosen.date if chosen else None,
        "published_source": chosen.source if chosen else None,
        "published_evidence": chosen.snippet if chosen else None,
        "published_candidates": [c.as_dict() for c in candidates],
        "template": template_era(year, tables.t2_version, tables.t3_version)
        if kind == ANNUAL_REPORT else None,
        "sections": sections,
        "tables": {"t2": tables.t2, "t3": tables.t3, "t4": tables.t4},
        "checks": run_checks(tables.t3, tables.t4) if has_tables else {},
        "flags": prose_flags(text, tables.t3),
        "text": text,
        "warnings": warnings,
        "format": doc.format,
        "needs_ocr": bool(doc.needs_ocr),
        "ocr": bool(doc.ocr),
    }
