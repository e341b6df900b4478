"""Fill ``expectations`` and ``status``: one row per (agency, year) the registry expects.

Reads agencies, reports, captures and crawl coverage from the catalog, applies the deadline
rules (:mod:`catalog.deadlines`) and the verdict (:mod:`catalog.status`), and stores each
verdict with the evidence that proves it: the report's captures, or for ``missing`` the
archived listing pages of the complete crawl that found nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from catalog.db import STATUS_AGENCY_COLUMNS
from catalog.deadlines import DeadlineRules, expected_years
from catalog.status import Coverage, FoundReport, decide

DEFAULT_SINCE = 2015
MAX_LIST_EVIDENCE = 5


def _parse_time(value: str) -> dt.datetime:
    value = value.replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


CHUNK = 2000  # agencies per batch: bounds memory at national scale


def compute_status(
    db: sqlite_utils.Database,
    *,
    as_of: dt.date,
    rules_file: Path | None = None,
) -> int:
    """Recompute expectations and status as of ``as_of``; returns the number of rows.

    Works through the agencies in batches (their reports, evidence and checks loaded per
    batch) inside one transaction, so readers see the old status until the new one is whole.
    """
    rules = DeadlineRules.load(rules_file)
    coverage: dict[str, list[Coverage]] = defaultdict(list)
    seed_crawls: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for row in db.query("select * from crawl_seeds where crawled_at is not null"):
        when = _parse_time(row["crawled_at"])
        coverage[row["agency_id"]].append(
            Coverage(when, complete=bool(row["complete"]), reason=row["reason"] or row["status"] or "")
        )
        seed_crawls[row["agency_id"]].append((when, row["crawl_id"]))
    region_names = dict(db.execute("select code, name from regions").fetchall())
    total = 0
    with db.conn:  # one transaction; plain executemany, the bulk path of sqlite3
        db.execute("delete from expectations")
        db.execute("delete from status")
        agencies = db.execute("select * from agencies order by agency_id")
        columns = [d[0] for d in agencies.description]
        while True:
            chunk = [dict(zip(columns, r, strict=True)) for r in agencies.fetchmany(CHUNK)]
            if not chunk:
                break
            expectations, statuses = _chunk_rows(db, chunk, rules, as_of, coverage, seed_crawls,
                                                 region_names)
            _bulk_insert(db, "expectations", EXPECTATION_COLUMNS, expectations)
            _bulk_insert(db, "status", STATUS_COLUMNS, statuses)
            total += len(statuses)
        db.execute("delete from coverage_counts")
        db.execute(
            "insert into coverage_counts (region_code, level, year, status, n) "
            "select region_code, level, year, status, count(*) from status "
            "group by region_code, level, year, status"
        )
    _flag_duplicate_text(db)
    return total


def clear_status(db: sqlite_utils.Database) -> None:
    """Drop the stored status after what it was computed from changed (new captures, a new
    registry): the rows and the coverage grid's counts go together, so no page shows counts of
    a status that is gone. The next ``nianbao status`` or ``nianbao serve`` computes it again."""
    db.execute("delete from status")
    db.execute("delete from coverage_counts")


class _Report(NamedTuple):
    report_id: str
    agency_id: str
    year: int
    url: str
    attachments: str | None
    first_seen: str
    published: str | None
    published_source: str | None
    withdrawn: int
    changed: int


STATUS_COLUMNS = ("agency_id", "year", "as_of", "status", "days_late", "deadline", "published",
                  "published_source", "date_basis", "first_seen", "url", "report_id", "evidence",
                  "evidence_first", "flags", "reason", *STATUS_AGENCY_COLUMNS)
EXPECTATION_COLUMNS = ("agency_id", "year", "deadline", "rule_id", "rule_source")
_EVIDENCE_JSON = ("json_object('url', url, 'warc_file', warc_file, 'offset', offset, "
                  "'record_id', record_id, 'captured_at', captured_at, "
                  "'observed_at', observed_at, 'status', status)")


def _chunk_rows(
    db: sqlite_utils.Database,
    chunk: list[dict],
    rules: DeadlineRules,
    as_of: dt.date,
    coverage: dict[str, list[Coverage]],
    seed_crawls: dict[str, list[tuple[dt.datetime, str]]],
    region_names: dict[str, str],
) -> tuple[list[tuple], list[list]]:
    """Expectation and status rows (as tuples in ``*_COLUMNS`` order) for a batch of agencies.

    Plain tuples and evidence built as JSON text by SQLite: at national scale this loop runs a
    million times, and dicts plus ``json.dumps`` per row were most of its cost.
    """
    ids = json.dumps([a["agency_id"] for a in chunk], ensure_ascii=False)
    reports = {
        (r.agency_id, r.year): r
        for r in map(_Report._make, db.execute(
            f"select {', '.join(_Report._fields)} from reports "
            "where agency_id in (select value from json_each(?))", [ids]))
    }
    failed_checks = {row[0] for row in db.execute(
        "select distinct report_id from report_checks where ok = 0 and report_id in "
        "(select value from json_each(?))", [json.dumps([r.report_id for r in reports.values()])])}
    evidence_by_report = _report_evidence(db, list(reports.values()))
    as_of_text = as_of.isoformat()
    expectations: list[tuple] = []
    statuses: list[list] = []
    missing: list[tuple[list, str, dt.date]] = []  # rows whose evidence is the absence
    for agency in chunk:
        agency_id = agency["agency_id"]
        # the agency's copies in every status row (m008): the UI filters and sorts on them
        about = [agency["name"], agency["region_code"],
                 region_names.get(agency["region_code"]), agency["level"], agency["kind"]]
        since = agency["since"] or DEFAULT_SINCE
        cov = [c for c in coverage.get(agency_id, []) if c.crawled_at.date() <= as_of]
        for year in expected_years(since, as_of):
            deadline = rules.deadline_for(
                year=year,
                kind=agency["kind"] or "department",
                level=agency["level"] or "county",
                region_code=agency["region_code"] or "",
                agency_id=agency_id,
            )
            if deadline is None:
                continue
            due = deadline.date.isoformat()
            expectations.append((agency_id, year, due, deadline.rule_id, deadline.source))
            report = reports.get((agency_id, year))
            found = None
            if report is not None:
                found = FoundReport(
                    first_seen=_parse_time(report.first_seen),
                    published=_parse_date(report.published),
                    published_source=report.published_source,
                )
            verdict = decide(deadline=deadline.date, as_of=as_of, report=found, coverage=cov)
            flags = list(verdict.flags)
            evidence, first = "[]", None
            shown = None  # the report, when the archive shows it as of as_of
            if report is not None and found and found.first_seen.date() <= as_of:
                items = evidence_by_report.get(report.report_id)
                if items:
                    evidence, first, shown = "[" + ",".join(items) + "]", items[0], report
                if report.withdrawn:
                    flags.append("withdrawn")
                if report.changed:
                    flags.append("changed")
                if report.report_id in failed_checks:
                    flags.append("inconsistent")
            row = [
                agency_id, year, as_of_text, verdict.status, verdict.days_late, due,
                shown.published if shown else None,
                shown.published_source if shown else None,
                verdict.date_basis,
                shown.first_seen if shown else None,
                shown.url if shown else None,
                shown.report_id if shown else None,
                evidence,
                first,
                json.dumps(flags) if flags else "[]",
                verdict.reason,
                *about,
            ]
            statuses.append(row)
            if verdict.status == "missing" and shown is None:
                missing.append((row, agency_id, deadline.date))
    if missing:
        _fill_absence_evidence(db, missing, as_of, seed_crawls)
    return expectations, statuses


def _bulk_insert(db: sqlite_utils.Database, table: str, columns: tuple[str, ...],
                 rows: list) -> None:
    if not rows:
        return
    db.conn.executemany(
        f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
        f"values ({', '.join('?' for _ in columns)})",
        rows,
    )


MAX_EVIDENCE = 20


def _report_evidence(db: sqlite_utils.Database, reports: list[_Report]) -> dict[str, list[str]]:
    """For each report, the captures of its page and attachments (earliest first), each as
    JSON text, in one query for the whole batch instead of one per report."""
    owners: dict[str, list[str]] = defaultdict(list)
    for report in reports:
        urls = [report.url]
        if report.attachments and report.attachments != "[]":
            urls += [a["url"] for a in json.loads(report.attachments)]
        for url in dict.fromkeys(urls):
            owners[url].append(report.report_id)
    if not owners:
        return {}
    found: dict[str, list[str]] = defaultdict(list)
    for url, item in db.execute(
        f"select url, {_EVIDENCE_JSON} from captures where record_type != 'request' "
        "and url in (select value from json_each(?)) order by observed_at",
        [json.dumps(list(owners), ensure_ascii=False)],
    ):
        for report_id in owners.get(url, ()):
            if len(found[report_id]) < MAX_EVIDENCE:
                found[report_id].append(item)
    return found


def _fill_absence_evidence(
    db: sqlite_utils.Database,
    missing: list[tuple[list, str, dt.date]],
    as_of: dt.date,
    seed_crawls: dict[str, list[tuple[dt.datetime, str]]],
) -> None:
    """For each ``missing`` row, the listing pages of the last complete crawl after the
    deadline: they show the absence. One query per batch of agencies."""
    agencies = sorted({agency_id for _, agency_id, _ in missing})
    pages: dict[tuple[str, str], list[str]] = defaultdict(list)
    for crawl_id, agency_id, item in db.execute(
        f"select crawl_id, agency_id, {_EVIDENCE_JSON} from captures "
        "where agency_id in (select value from json_each(?)) and role = 'list' and status = 200 "
        "order by observed_at",
        [json.dumps(agencies, ensure_ascii=False)],
    ):
        listed = pages[(crawl_id, agency_id)]
        if len(listed) < MAX_LIST_EVIDENCE:
            listed.append(item)
    status_index = STATUS_COLUMNS.index("evidence")
    first_index = STATUS_COLUMNS.index("evidence_first")
    for row, agency_id, deadline in missing:
        crawls = sorted((c for c in seed_crawls.get(agency_id, [])
                         if deadline < c[0].date() <= as_of), reverse=True)
        for _, crawl_id in crawls:
            shown = pages.get((crawl_id, agency_id))
            if shown:
                row[status_index] = "[" + ",".join(shown) + "]"
                row[first_index] = shown[0]
                break


def _flag_duplicate_text(db: sqlite_utils.Database) -> None:
    """Flag a report whose text is (nearly) the agency's previous year's with the year changed.

    Streams reports in (agency, year) order and keeps only the previous one in memory: a
    national catalog's texts do not fit in memory at once.
    """
    updates = []
    previous: tuple[str, int, str] | None = None
    for agency_id, year, raw in db.execute(
        "select r.agency_id, r.year, d.text from reports r join documents d on d.digest = r.digest "
        "order by r.agency_id, r.year"
    ):
        text = _normalise_for_compare(raw or "", year)
        if (previous is not None and previous[0] == agency_id and previous[1] == year - 1
                and text and previous[2] and _similar(text, previous[2])):
            updates.append((agency_id, year))
        previous = (agency_id, year, text)
    for agency_id, year in updates:
        row = db.execute(
            "select flags from status where agency_id = ? and year = ?", [agency_id, year]
        ).fetchone()
        if row is None:
            continue
        flags = json.loads(row[0] or "[]")
        if "duplicate_text" not in flags:
            flags.append("duplicate_text")
        db.execute(
            "update status set flags = ? where agency_id = ? and year = ?",
            [json.dumps(flags), agency_id, year],
        )
    db.conn.commit()


def _normalise_for_compare(text: str, year: int) -> str:
    import re

    text = text.replace(str(year), "Y").replace(str(year - 1), "Y")
    return re.sub(r"\s+", "", re.sub(r"\d+", "#", text))


def _similar(a: str, b: str, threshold: float = 0.95) -> bool:
    """Near-identical texts (numbers and years ignored), by shingle overlap (Jaccard)."""

    def shingles(s: str) -> set[str]:
        return {s[i : i + 8] for i in range(0, max(len(s) - 7, 1), 4)}

    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return False
    return len(sa & sb) / len(sa | sb) >= threshold
