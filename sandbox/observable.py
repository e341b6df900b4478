"""What a watchdog *can prove* about each (agency, year), given the days it crawled.

``expected_status`` in the ground truth is what really happened. An archive only knows what its
crawls saw: a backdated report is caught only by a crawl that looked after its claimed date and
found nothing; an undated report is on time only if a crawl saw it by the deadline, and late
only if a crawl after the deadline saw it absent (DOMAIN.md §1: a page that shows no date is not
"late"). This module restates those rules from the sandbox's side, independently of the catalog
code, so that tests and benchmarks can score a crawl history against the best any crawler could
do with it, and report agreement with reality alongside.

A crawl on a day sees the portals as the sandbox serves them on that day: everything published
that day included, nothing withdrawn that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _claimed(row: dict[str, Any], first_seen: dt.date | None = None) -> dt.date | None:
    """The publication date the archived page shows, as a careful parser reads it: a stated
    date, else a plausible URL date, else the ``Last-Modified`` the server sent (the day the
    bytes last changed, as of the first capture)."""
    evidence = row.get("date_evidence")
    if evidence in ("meta", "page", "signature"):
        return _date(row.get("published_date"))
    url_date = _date(row.get("url_date"))
    # a report cannot be published before its statistics year ends: such URL dates lie; a
    # later one is taken (DOMAIN.md: URL before Last-Modified), even when the sandbox made it
    # up, as a parser cannot tell
    if url_date and url_date > dt.date(int(row["year"]), 12, 31):
        return url_date
    if row.get("last_modified") and first_seen is not None:
        appeared, edited = _date(row.get("appeared_date")), _date(row.get("edited_date"))
        return edited if edited is not None and edited <= first_seen else appeared
    return None


def observable_status(
    row: dict[str, Any], crawl_dates: Iterable[dt.date], as_of: dt.date
) -> tuple[str, int | None]:
    """(status, days late — a lower bound for undated reports) provable from these crawls."""
    deadline = _date(row["deadline"])
    assert deadline is not None
    crawls = sorted(d for d in crawl_dates if d <= as_of)
    if row.get("expected_status") == "unverified" or row.get("reachable") is False:
        return ("not_due", None) if as_of <= deadline else ("unverified", None)
    appeared = _date(row.get("appeared_date"))
    withdrawn = _date(row.get("withdrawn_date"))

    def visible(day: dt.date) -> bool:
        return appeared is not None and appeared <= day and (withdrawn is None or day < withdrawn)

    seen = [d for d in crawls if visible(d)]
    if not seen:
        if as_of <= deadline:
            return "not_due", None
        if any(d > deadline for d in crawls):
            return "missing", None
        return "unverified", None
    first_seen = seen[0]
    absent_after = [d for d in crawls if d < first_seen]
    claimed = _claimed(row, first_seen)
    if claimed is not None and (claimed > first_seen or any(claimed < d for d in absent_after)):
        claimed = None  # contradicted by a capture: not believed
    if claimed is not None:
        return ("on_time", None) if claimed <= deadline else ("late", (claimed - deadline).days)
    if first_seen <= deadline:
        return "on_time", None
    proof = [d for d in absent_after if d > deadline]
    if proof:
        return "late", (max(proof) - deadline).days
    return "unverified", None


def observable_flags(
    row: dict[str, Any], crawl_dates: Iterable[dt.date], as_of: dt.date
) -> set[str]:
    """The flags (``withdrawn``, ``changed``, ``backdated``) these crawls can prove.

    ``withdrawn``: a crawl saw the report and a later one found it gone; ``changed``: crawls saw
    it before and after its edit; ``backdated``: a crawl after the claimed date saw nothing.
    """
    if row.get("reachable") is False:
        return set()
    crawls = sorted(d for d in crawl_dates if d <= as_of)
    appeared = _date(row.get("appeared_date"))
    withdrawn = _date(row.get("withdrawn_date"))
    edited = _date(row.get("edited_date"))
    if appeared is None:
        return set()
    seen = [d for d in crawls if appeared <= d and (withdrawn is None or d < withdrawn)]
    if not seen:
        return set()
    flags = set()
    if withdrawn is not None and crawls[-1] >= withdrawn:
        flags.add("withdrawn")
    if edited is not None and seen[0] < edited <= seen[-1]:
        flags.add("changed")
    claimed = _claimed(row, seen[0])
    if (row.get("outcome") == "backdated" and claimed is not None
            and any(claimed < d < seen[0] for d in crawls)):
        flags.add("backdated")
    return flags


def score(
    ours: list[dict[str, Any]],
    truth: list[dict[str, Any]],
    crawl_dates: Iterable[dt.date],
    as_of: dt.date,
) -> dict[str, Any]:
    """Agreement of a status list with what was provable and with what really happened."""
    crawl_dates = list(crawl_dates)
    by_key = {(t["agency_id"], t["year"]): t for t in truth}
    provable = real = compared = 0
    late_days_ok = late_total = 0
    mismatches: list[dict[str, Any]] = []
    flags_expected = flags_found = 0
    flag_misses: list[dict[str, Any]] = []
    for row in ours:
        t = by_key.get((row["agency_id"], row["year"]))
        if t is None:
            continue
        compared += 1
        expected, days = observable_status(t, crawl_dates, as_of)
        if row["status"] == expected:
            provable += 1
            if expected == "late" and days is not None:
                late_total += 1
                late_days_ok += abs((row.get("days_late") or 0) - days) <= 1
        else:
            mismatches.append({"agency_id": row["agency_id"], "year": row["year"],
                               "ours": row["status"], "provable": expected,
                               "outcome": t["outcome"], "date_evidence": t["date_evidence"]})
        real += row["status"] == t["expected_status"]
        wanted = observable_flags(t, crawl_dates, as_of)
        flags_expected += len(wanted)
        flags_found += len(wanted & set(row.get("flags") or []))
        if wanted - set(row.get("flags") or []):
            flag_misses.append({"agency_id": row["agency_id"], "year": row["year"],
                                "wanted": sorted(wanted), "ours": row.get("flags")})
    return {
        "compared": compared,
        "agree_provable": provable,
        "agree_real": real,
        "late_days_within_1": late_days_ok,
        "late_compared": late_total,
        "mismatches": mismatches,
        "flags_expected": flags_expected,
        "flags_found": flags_found,
        "flag_misses": flag_misses,
    }
