"""The verdict for one expected report: on time, late, missing, unverified or not due.

Pure decision logic, separate from SQLite so every rule of DOMAIN.md §1 and §6 is tested
directly. The rule that matters most: only a *complete* crawl of a *reachable* site after the
deadline can prove a report missing; challenges, blocks, faults and cut-short crawls make the
pair ``unverified``, never ``missing``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

STATUSES = ("on_time", "late", "missing", "unverified", "not_due")

# Strength of the publication-date evidence, strongest first (parsers' published_source).
DATE_SOURCES = (
    "meta_pubdate",
    "page_date",
    "signature",
    "text",
    "url",
    "http_last_modified",
)


@dataclass(frozen=True)
class FoundReport:
    """What the archive shows of one report: its claimed date and when we first saw it."""

    first_seen: dt.datetime
    published: dt.date | None = None
    published_source: str | None = None


@dataclass(frozen=True)
class Coverage:
    """One crawl's coverage of an agency: complete (reachable, not cut short) or not, and why."""

    crawled_at: dt.datetime
    complete: bool
    reason: str = ""


@dataclass
class Verdict:
    status: str
    days_late: int | None = None
    date_used: dt.date | None = None
    date_basis: str | None = None  # "published:<source>" or "first_seen"
    reason: str = ""
    flags: list[str] = field(default_factory=list)


def decide(
    *,
    deadline: dt.date,
    as_of: dt.date,
    report: FoundReport | None,
    coverage: list[Coverage],
) -> Verdict:
    """Decide the status of one (agency, year) as of ``as_of``.

    ``report`` is the earliest-seen capture of the report at or before ``as_of`` (None if
    none); ``coverage`` lists the crawls of the agency up to ``as_of``.
    """
    if report is not None and report.first_seen.date() <= as_of:
        return _dated(deadline, as_of, report, coverage)
    if as_of <= deadline:
        return Verdict("not_due", reason=f"due {deadline.isoformat()}")
    after = [c for c in coverage if c.crawled_at.date() > deadline and c.crawled_at.date() <= as_of]
    complete = [c for c in after if c.complete]
    if complete:
        last = max(complete, key=lambda c: c.crawled_at)
        return Verdict(
            "missing",
            reason=f"no report found by a complete crawl on {last.crawled_at.date().isoformat()}",
        )
    if after:
        last = max(after, key=lambda c: c.crawled_at)
        return Verdict("unverified", reason=last.reason or "crawl incomplete")
    return Verdict("unverified", reason="not crawled since the deadline")


def _dated(
    deadline: dt.date, as_of: dt.date, report: FoundReport, coverage: list[Coverage]
) -> Verdict:
    flags: list[str] = []
    first_seen = report.first_seen.date()
    claimed = report.published
    if claimed is not None and claimed > first_seen:
        # A page cannot be published after we archived it: the claim is wrong (often a
        # migration date); the capture is the better evidence.
        flags.append("date_after_capture")
        claimed = None
    if claimed is not None and any(
        c.complete and claimed < c.crawled_at.date() < first_seen for c in coverage
    ):
        # Backdated: a complete crawl after the claimed date did not see the report, so the
        # claim is proven false; judge by the captures alone.
        flags.append("backdated")
        claimed = None
    if claimed is not None:
        basis = f"published:{report.published_source or 'unknown'}"
        if claimed <= deadline:
            return Verdict("on_time", date_used=claimed, date_basis=basis, flags=flags)
        return Verdict(
            "late",
            days_late=(claimed - deadline).days,
            date_used=claimed,
            date_basis=basis,
            flags=flags,
        )
    if first_seen <= deadline:
        return Verdict(
            "on_time",
            date_used=first_seen,
            date_basis="first_seen",
            reason="undated; archived before the deadline",
            flags=flags,
        )
    # Undated and first seen after the deadline: a page that shows no date is not "late"
    # (DOMAIN.md §1). Absence in an earlier complete crawl after the deadline proves lateness.
    earlier_absent = [
        c for c in coverage if c.complete and deadline < c.crawled_at.date() < first_seen
    ]
    if earlier_absent:
        last_absent = max(c.crawled_at.date() for c in earlier_absent)
        return Verdict(
            "late",
            days_late=(last_absent - deadline).days,
            date_used=last_absent,
            date_basis="absent_in_crawl",
            reason=f"undated; absent from a complete crawl on {last_absent.isoformat()}",
            flags=flags,
        )
    return Verdict(
        "unverified",
        date_basis="first_seen",
        reason=f"undated; first archived {first_seen.isoformat()}, after the deadline",
        flags=flags,
    )
