"""Parser benchmark: field accuracy against the sandbox's ground truth, and reports per second.

The world is the bundled sandbox (small with ``--quick``, medium otherwise), served on
loopback: every visible report page and attachment is fetched through its proxy, parsed with
:func:`parsers.report.parse_document` (attachments with their article page as referrer), and
scored against ``truth``: agency, region, year, template, publication date (where the page
gives any date evidence), and every 表三/表四 cell of HTML, DOCX and text PDFs.

The peer is what a user would reach for first: ``pdftotext -layout`` (poppler) or lxml's
``text_content()`` plus regular expressions for the title, year and the 表三 rows. It is
scored on the same documents, in the same run.

Multi-page articles (the report continues on ``…_2.htm``) are fetched whole, following each
page's continuation links (:func:`parsers.article.continuation_urls`), and read as one report
with :func:`parsers.report.parse_article`, as the catalog should. PDF tables come ruled, as a
三线表 or without borders (sandbox ``Style.pdf_rules``); a borderless table that also leaves
its zeros blank is not readable from positions and is not drawn by the sandbox (the parser
leaves such rows null rather than guess).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import Row

TEXT_FORMATS = ("html", "docx", "pdf")  # 表三/表四 cells must be exact for these
T3_COLS = ("natural_person", "business", "research", "social_org", "legal_service", "other_org",
           "total")


# ------------------------------------------------------------------------------ the peer


def _peer_text(data: bytes, fmt: str) -> str:
    if fmt == "pdf":
        with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
            fh.write(data)
            fh.flush()
            done = subprocess.run(["pdftotext", "-layout", fh.name, "-"], capture_output=True,
                                  timeout=60, check=False)
        return done.stdout.decode("utf-8", "replace")
    if fmt == "html":
        import lxml.html

        return lxml.html.fromstring(data).text_content()
    return ""


_PEER_TITLE = re.compile(r"(\S{2,30}?)\s*(20\d\d)\s*年度?\S*?报告")
_PEER_ROWS = {
    "received": re.compile(r"本年新收\S*\s+((?:\d+\s+){6}\d+)"),
    "result_total": re.compile(r"[（(]七[)）]\s*总计\s+((?:\d+\s+){6}\d+)"),
}


def peer_parse(data: bytes, fmt: str, more_pages: tuple[bytes, ...] = ()) -> dict[str, Any]:
    """pdftotext/lxml + regular expressions: year, agency and two 表三 rows (of all the
    article's pages' text, when it has several)."""
    text = "\n".join(_peer_text(page, fmt) for page in (data, *more_pages))
    m = _PEER_TITLE.search(text)
    t3 = {}
    for key, pattern in _PEER_ROWS.items():
        row = pattern.search(text)
        if row:
            t3[key] = dict(zip(T3_COLS, map(int, row.group(1).split()), strict=True))
    return {"year": int(m.group(2)) if m else None, "agency": m.group(1) if m else None, "t3": t3}


# ------------------------------------------------------------------------------ scoring


def _same_agency(ours: str | None, truth: str) -> bool:
    """Equal, or ours is the truth with its higher divisions written out (淮安市 + 洪泽区…)."""
    from parsers.regions import is_division_path

    if not ours:
        return False
    if ours == truth:
        return True
    return ours.endswith(truth) and is_division_path(ours[: -len(truth)])


class Score:
    def __init__(self) -> None:
        self.hits: dict[str, int] = defaultdict(int)
        self.total: dict[str, int] = defaultdict(int)

    def add(self, field: str, ok: bool) -> None:
        self.total[field] += 1
        self.hits[field] += int(ok)

    def pct(self, field: str) -> float:
        return 100.0 * self.hits[field] / self.total[field] if self.total[field] else float("nan")


def _cells(table: dict | None, truth: dict | None) -> tuple[int, int]:
    if not truth:
        return 0, 0
    hits = total = 0
    for row, cols in truth.items():
        for col, value in cols.items():
            total += 1
            hits += int(((table or {}).get(row) or {}).get(col) == value)
    return hits, total


def _fetch(opener, url: str) -> tuple[bytes, dict[str, str]]:
    with opener.open(url, timeout=30) as resp:
        return resp.read(), dict(resp.headers.items())


def _continuations(opener, page: bytes, url: str) -> list[tuple[bytes, str]]:
    """The further pages of a multi-page article (``…_2.htm``), fetched as a crawler would:
    following each page's own continuation links."""
    from parsers.article import continuation_urls
    from parsers.formats import extract

    out: list[tuple[bytes, str]] = []
    seen = {url}
    queue = continuation_urls(extract(page, url=url), url)
    while queue:
        nxt = queue.pop(0)
        if nxt in seen:
            continue
        seen.add(nxt)
        try:
            data, _ = _fetch(opener, nxt)
        except OSError:
            break
        out.append((data, nxt))
        queue += continuation_urls(extract(data, url=nxt), nxt, url)
    return out


def _documents(sb, limit: int) -> list[dict[str, Any]]:
    """Report pages and their attachments from the sandbox, with their truth rows. ``role`` is
    "page" for every article page (dated and attributed as a whole), "inline" when the page
    carries the report itself, "attachment" for each attached file."""
    opener = sb.opener()
    docs: list[dict[str, Any]] = []
    for truth in sb.truth():
        if not (truth["visible_as_of"] and truth["page_url"] and truth["reachable"]):
            continue
        try:
            page, headers = _fetch(opener, truth["page_url"])
        except OSError:
            continue
        role = "inline" if "html" in truth["formats"] else "page"
        docs.append({"truth": truth, "role": role, "data": page, "headers": headers,
                     "url": truth["page_url"], "referrer": None,
                     "more_pages": _continuations(opener, page, truth["page_url"])})
        for url in truth["attachment_urls"]:
            try:
                data, headers = _fetch(opener, url)
            except OSError:
                continue
            docs.append({"truth": truth, "role": "attachment", "data": data, "headers": headers,
                         "url": url, "referrer": page})
        if len(docs) >= limit:
            break
    return docs


def run(quick: bool) -> list[Row]:
    from parsers.report import parse_article, parse_document
    from sandbox.testing import running_sandbox

    size, limit = ("small", 150) if quick else ("medium", 900)
    with running_sandbox(seed=1, size=size) as sb:
        docs = _documents(sb, limit)

    ours, peer = Score(), Score()
    seconds: dict[str, float] = defaultdict(float)
    peer_seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    dated: dict[tuple[str, int], str] = {}
    evidenced: dict[tuple[str, int], str] = {}
    for doc in docs:
        truth = doc["truth"]
        t0 = time.perf_counter()
        if doc.get("more_pages"):  # a multi-page article is read as one report
            result = parse_article([(doc["data"], doc["url"]), *doc["more_pages"]],
                                   headers=doc["headers"])
        else:
            result = parse_document(doc["data"], url=doc["url"], headers=doc["headers"],
                                    referrer_html=doc["referrer"])
        elapsed = time.perf_counter() - t0
        fmt = result["format"] + ("_scan" if result["needs_ocr"] else "")
        key = (truth["agency_id"], truth["year"])
        if result["published"] and key not in dated:
            dated[key] = result["published"]  # the page's date, else its attachment's
        if truth["date_evidence"] not in (None, "none"):
            evidenced[key] = truth["published_date"]
        if doc["role"] in ("page", "inline"):
            # the article page is what the catalog attributes
            ours.add("agency", _same_agency(result["agency"], truth["agency_name"]))
            ours.add("region", result["region_code"] == truth["region_code"])
            ours.add("year", result["year"] == truth["year"])
            if doc["role"] == "page":
                continue
        seconds[fmt] += elapsed
        counts[fmt] += 1
        # each report document (inline page, or attachment with its article page as referrer)
        ours.add("agency (each document)", _same_agency(result["agency"], truth["agency_name"]))
        ours.add("year (each document)", result["year"] == truth["year"])
        if result["needs_ocr"]:
            continue  # image-only: flagged for OCR, not read
        ours.add("template", result["template"] == truth["template"])
        if fmt in TEXT_FORMATS and truth["template"] != "2008":
            for name in ("t3", "t4"):
                hits, total = _cells(result["tables"][name], truth[name])
                ours.hits[name + " cells"] += hits
                ours.total[name + " cells"] += total
        if fmt in ("html", "pdf"):  # the peer's formats; scored on exactly these documents
            t0 = time.perf_counter()
            baseline = peer_parse(doc["data"], fmt,
                                  tuple(data for data, _ in doc.get("more_pages") or ()))
            peer_seconds[fmt] += time.perf_counter() - t0
            peer.add("agency", _same_agency(baseline["agency"], truth["agency_name"]))
            peer.add("year", baseline["year"] == truth["year"])
            if truth["template"] != "2008" and truth["t3"]:
                for row in ("received", "result_total"):
                    peer.add("t3 rows", baseline["t3"].get(row) == truth["t3"].get(row))
                    ours.add("t3 rows", result["tables"]["t3"] is not None and
                             result["tables"]["t3"].get(row) == truth["t3"].get(row))

    for key, published in evidenced.items():
        ours.add("published", dated.get(key) == published)

    rows: list[Row] = []
    world = f"sandbox {size}, {len(docs)} documents"
    targets = {"agency": "≥ 99%", "region": "≥ 99%", "year": "≥ 99%", "template": "≥ 99%",
               "published": "≥ 98%", "t3 cells": "100%", "t4 cells": "100%",
               "agency (each document)": "", "year (each document)": ""}
    peer_fields = {"agency (each document)": "agency", "year (each document)": "year"}
    for field, target in targets.items():
        peer_value, peer_name = None, ""
        if field in peer_fields and peer.total[peer_fields[field]]:
            peer_value, peer_name = peer.pct(peer_fields[field]), "pdftotext/lxml + regex"
        rows.append(Row("parse", f"accuracy {field}", ours.pct(field), "%", peer_name, peer_value,
                        target, f"{ours.total[field]} scored; {world}"))
    if peer.total["t3 rows"]:
        rows.append(Row("parse", "accuracy 表三 received+total rows", ours.pct("t3 rows"), "%",
                        "pdftotext/lxml + regex", peer.pct("t3 rows"), "100%",
                        f"{ours.total['t3 rows']} rows of HTML and PDF reports"))
    for fmt in sorted(counts):
        rate = counts[fmt] / seconds[fmt] if seconds[fmt] else float("nan")
        peer_rate = counts[fmt] / peer_seconds[fmt] if peer_seconds.get(fmt) else None
        target = {"html": "≥ 20/s per core", "pdf": "≥ 3/s per core"}.get(fmt, "")
        rows.append(Row("parse", f"{fmt} reports/s", rate, "docs/s",
                        "pdftotext/lxml + regex" if peer_rate else "", peer_rate, target,
                        f"{counts[fmt]} documents, one process"))
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick=True):
        print(row)
    print(Path(__file__).name)
