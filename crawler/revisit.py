"""Known documents to look at again: what earlier crawls archived as report pages and files.

A report that disappears is usually unlinked first: its column no longer lists it, so a crawl
that only follows links never asks for it again and can only say "not found in the column".
Asking for every report page and file an earlier crawl archived, once per crawl, turns that
into proof: a 404/410 (or a changed document) archived with the date. Heritrix and Browsertrix
re-seed known URLs the same way when a recrawl must detect removals.

The list comes from earlier crawls' journals (``crawls/*/fetched.jsonl``, written by
:mod:`crawler.warc_extension`), which record each answer's URL, status, role and agency.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROLES = ("report", "attachment")


@dataclass(frozen=True)
class KnownDocument:
    url: str
    agency_id: str
    role: str


def earlier_journal_rows(data_dir: Path, *, exclude_crawl: str = "") -> Iterator[dict]:
    """Every row of earlier crawls' journals, oldest crawl first; a torn last line (a crawl
    killed mid-write) is skipped. Shared with :mod:`crawler.conditional`."""
    crawls = Path(data_dir) / "crawls"
    if not crawls.is_dir():
        return
    for journal in sorted(crawls.glob("*/fetched.jsonl"), key=lambda p: p.stat().st_mtime):
        if journal.parent.name == exclude_crawl:
            continue
        with open(journal, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    yield json.loads(line)
                except ValueError:
                    continue


def known_documents(data_dir: Path, agencies: Iterable[str], *,
                    exclude_crawl: str = "") -> list[KnownDocument]:
    """Report pages and files earlier crawls archived (status 200) for these agencies, each URL
    once, in the order first archived."""
    wanted = set(agencies)
    found: dict[str, KnownDocument] = {}
    for row in earlier_journal_rows(data_dir, exclude_crawl=exclude_crawl):
        if (row.get("status") == 200 and row.get("method", "GET") == "GET"
                and row.get("role") in ROLES and row.get("agency") in wanted
                and row["url"] not in found):
            found[row["url"]] = KnownDocument(row["url"], row["agency"], row["role"])
    return list(found.values())
