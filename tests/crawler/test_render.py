"""JavaScript rendering (scrapy-playwright, Debian chromium): the browser's requests go through
Scrapy — politely, archived as ordinary responses — and the rendered DOM is a separate
conversion record, never passed off as the HTTP response."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from sandbox.portals import family_for
from tests.crawler.harness import overlaps, run_crawl, write_registry

pytestmark = pytest.mark.browser


def _records(data: Path) -> list:
    out = []
    for path in sorted((data / "warcs").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                body = rec.content_stream().read() if rec.rec_type == "metadata" else b""
                out.append((rec.rec_type, dict(rec.rec_headers.headers), body))
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from sandbox.testing import running_sandbox

    tmp = tmp_path_factory.mktemp("render")
    with running_sandbox(seed=1, size="small", faults="none", latency_ms=20) as sb:
        registry = write_registry(sb, tmp / "all.csv")
        # one body of the Hanweb portal, whose list is filled by script, seeded at that list
        portal = next(p for p in sb.universe.portals.values() if p.family == "hanweb")
        body = next(c for c in portal.body_columns())
        rows = list(csv.DictReader(registry.open(encoding="utf-8")))
        row = next(r for r in rows if r["agency_id"] == body.agency_id)
        row["report_url"] = f"http://{portal.host}{family_for('hanweb').column_path(portal, body)}"
        row["render"] = "always"
        one = tmp / "one.csv"
        with one.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, list(row))
            w.writeheader()
            w.writerow(row)
        report = run_crawl(one, tmp / "data", sb.proxy_url, "--max-pages", "12",
                           settings={"NIANBAO_MAX_NAV_DEPTH": 0})
        yield sb, tmp / "data", report, sb.state(), row


def test_rendered_list_yields_reports(rendered):
    sb, _, report, _, row = rendered
    (seed,) = report["seeds"]
    assert seed["rendered"] >= 1
    truth = {r["page_url"] for r in sb.truth() if r["agency_id"] == row["agency_id"] and r["visible_as_of"]}
    found = {e["url"] for e in seed["report_pages"]}
    assert found and found <= truth


def test_browser_requests_are_archived_as_responses_and_dom_as_conversion(rendered):
    _, data, _, _, row = rendered
    records = _records(data)
    responses = {h["WARC-Record-ID"]: h["WARC-Target-URI"] for t, h, _ in records
                 if t in ("response", "revisit")}
    conversions = [h for t, h, _ in records if t == "conversion"]
    assert conversions
    for h in conversions:  # each DOM points at the archived response of the same page
        assert responses[h["WARC-Refers-To"]] == h["WARC-Target-URI"]
        assert h.get("Content-Type", "").startswith("text/html")
    xhr = [h["WARC-Target-URI"] for t, h, body in records
           if t == "metadata" and b"browser-resource-type: xhr" in body]
    assert any("dataproxy.jsp" in u for u in xhr)  # the list's data, fetched by the page's script
    assert all(urlsplit(u).hostname == urlsplit(row["portal_url"]).hostname for u in responses.values())


def test_browser_traffic_is_polite_and_identified(rendered):
    _, _, _, log, _ = rendered
    assert log
    assert [(e["url"], e["user_agent"]) for e in log if not e["user_agent"].startswith("nianbao/")] == []  # Chromium never went out itself
    assert [e["url"] for e in log if e["robots_disallowed"] or e["escape"]] == []
    assert overlaps(log, tolerance=0.02) == []
