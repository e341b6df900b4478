"""A warmed sandbox serves its documents as stored files: asking for every document of the
medium world, then for all of them again, draws none twice. The crawl benchmark relies on it
(a server that redraws a PDF per request answers slower than its latency, and the crawler
would be judged against the sandbox's rendering)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sandbox.content import make_report_content
from sandbox.documents import report_body_html
from sandbox.kit import DocumentKit
from sandbox.site import Site
from sandbox.universe import Universe


def test_every_medium_document_is_drawn_once_however_often_asked():
    drawn: Counter[tuple[int, str]] = Counter()

    def render_document(content: object, fmt: str) -> bytes:  # drawing PDFs would take minutes
        drawn[(id(content), fmt)] += 1
        return b"%PDF-1.4 stand-in"

    def body_html(content: object) -> str:
        drawn[(id(content), "html")] += 1
        return report_body_html(content)

    kit = DocumentKit(make_report_content=make_report_content,
                      render_document=render_document,
                      report_body_html=body_html)
    universe = Universe(1, "medium")
    site = Site(universe, kit)
    on = dt.date(2026, 6, 30)
    urls = [(host, path) for host, routes in site.routes.items()
            for path, (kind, key, _) in routes.items()
            if kind in ("report", "attachment") and universe.reports[key].visible(on)]
    assert len(urls) > 2000  # report pages and files: far more than a small cache holds

    def ask_all() -> Counter[int]:
        return Counter(site.handle(host, path, "", on).status for host, path in urls)

    first = ask_all()
    assert first[200] > 0.9 * len(urls)
    drawn_once = sum(drawn.values())
    assert ask_all() == first
    assert sum(drawn.values()) == drawn_once, "documents were drawn again on the second pass"
