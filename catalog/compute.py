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

import sqlite_utils

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
            expectations, statuses = _chunk_rows(db, chunk, rules, as_of, coverage, seed_crawls)
            _bulk_insert(db, "expectations", expectations)
            _bulk_insert(db, "status", statuses)
            total += len(statuses)
        db.execute("delete from coverage_counts")
        db.execute(
            "insert into coverage_counts (region_code, level, year, status, n) "
            "select a.region_code, a.level, s.year, s.status, count(*) from status s "
            "join agencies a on a.agency_id = s.agency_id "
            "group by a.region_code, a.level, s.year, s.status"
        )
    _flag_duplicate_text(db)
    return total


def _chunk_rows(
    db: sqlite_utils.Database,
    chunk: list[dict],
    rules: DeadlineRules,
    as_of: dt.date,
    coverage: dict[str, list[Coverage]],
    seed_crawls: dict[str, list[tuple[dt.datetime, str]]],
) -> tuple[list[dict], list[dict]]:
    ids = [a["agency_id"] for a in chunk]
    marks = ",".join("?" * len(ids))
    reports = {(r["agency_id"], r["year"]): r for r in db.query(
        f"select * from reports where agency_id in ({marks})", ids)}
    report_ids = [r["report_id"] for r in reports.values()]
    failed_checks = {r["report_id"] for r in db.query(
        "select distinct report_id from report_checks where ok = 0 and report_id in "
        "(select value from json_each(?))", [json.dumps(report_ids)])}
    evidence_by_report = _report_evidence(db, list(reports.values()))
    expectations: list[dict] = []
    statuses: list[dict] = []
    for agency in chunk:
        since = agency["since"] or DEFAULT_SINCE
        for year in expected_years(since, as_of):
            deadline = rules.deadline_for(
                year=year,
                kind=agency["kind"] or "department",
                level=agency["level"] or "county",
                region_code=agency["region_code"] or "",
                agency_id=agency["agency_id"],
            )
            if deadline is None:
                continue
            expectations.append(
                {
                    "agency_id": agency["agency_id"],
                    "year": year,
                    "deadline": deadline.date.isoformat(),
                    "rule_id": deadline.rule_id,
                    "rule_source": deadline.source,
                }
            )
            report = reports.get((agency["agency_id"], year))
            found = None
            if report is not None:
                found = FoundReport(
                    first_seen=_parse_time(report["first_seen"]),
                    published=_parse_date(report["published"]),
                    published_source=report["published_source"],
                )
            cov = [c for c in coverage.get(agency["agency_id"], []) if c.crawled_at.date() <= as_of]
            verdict = decide(deadline=deadline.date, as_of=as_of, report=found, coverage=cov)
            flags = list(verdict.flags)
            evidence: list[dict] = []
            if report is not None and found and found.first_seen.date() <= as_of:
                evidence = evidence_by_report.get(report["report_id"], [])
                if report["withdrawn"]:
                    flags.append("withdrawn")
                if report["changed"]:
                    flags.append("changed")
                if report["report_id"] in failed_checks:
                    flags.append("inconsistent")
            elif verdict.status == "missing":
                evidence = _absence_evidence(db, agency["agency_id"], deadline.date, as_of,
                                             seed_crawls.get(agency["agency_id"], []))
            statuses.append(
                {
                    "agency_id": agency["agency_id"],
                    "year": year,
                    "as_of": as_of.isoformat(),
                    "status": verdict.status,
                    "days_late": verdict.days_late,
                    "deadline": deadline.date.isoformat(),
                    "published": report["published"] if report and evidence else None,
                    "published_source": report["published_source"] if report and evidence
                    else None,
                    "date_basis": verdict.date_basis,
                    "first_seen": report["first_seen"] if report and evidence else None,
                    "url": report["url"] if report and evidence else None,
                    "report_id": report["report_id"] if report and evidence else None,
                    "evidence": json.dumps(evidence, ensure_ascii=False),
                    "flags": json.dumps(flags),
                    "reason": verdict.reason,
                }
            )
    return expectations, statuses


def _bulk_insert(db: sqlite_utils.Database, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    db.conn.executemany(
        f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
        f"values ({', '.join('?' for _ in columns)})",
        ([row[c] for c in columns] for row in rows),
    )


MAX_EVIDENCE = 20


def _report_evidence(db: sqlite_utils.Database, reports: list[dict]) -> dict[str, list[dict]]:
    """For each report, the captures of its page and attachments (earliest first), in one
    query for the whole batch instead of one per report."""
    owners: dict[str, list[str]] = defaultdict(list)
    for report in reports:
        urls = [report["url"]] + [a["url"] for a in json.loads(report["attachments"] or "[]")]
        for url in dict.fromkeys(urls):
            owners[url].append(report["report_id"])
    out: dict[str, list[dict]] = defaultdict(list)
    if not owners:
        return out
    for c in db.query(
        "select url, warc_file, offset, record_id, captured_at, observed_at, status "
        "from captures where record_type != 'request' "
        "and url in (select value from json_each(?)) order by observed_at",
        [json.dumps(list(owners), ensure_ascii=False)],
    ):
        for report_id in owners.get(c["url"], ()):
            if len(out[report_id]) < MAX_EVIDENCE:
                out[report_id].append(dict(c))
    return out


def _absence_evidence(
    db: sqlite_utils.Database,
    agency_id: str,
    deadline: dt.date,
    as_of: dt.date,
    crawls: list[tuple[dt.datetime, str]],
) -> list[dict]:
    """The listing pages of the last complete crawl after the deadline: they show the absence."""
    after = sorted((c for c in crawls if deadline < c[0].date() <= as_of), reverse=True)
    for _, crawl_id in after:
        rows = list(
            db.query(
                "select * from captures where crawl_id = ? and agency_id = ? and role = 'list' "
                "and status = 200 order by observed_at limit ?",
                [crawl_id, agency_id, MAX_LIST_EVIDENCE],
            )
        )
        if rows:
            return [
                {"warc_file": r["warc_file"], "offset": r["offset"], "record_id": r["record_id"],
                 "url": r["url"], "captured_at": r["captured_at"],
                 "observed_at": r["observed_at"], "status": r["status"]}
                for r in rows
            ]
    return []


def _flag_duplicate_text(db: sqlite_utils.Database) -> None:
    """Flag a report whose text is (nearly) the agency's previous year's with the year changed."""
    texts: dict[tuple[str, int], str] = {}
    for row in db.query(
        "select r.agency_id, r.year, d.text from reports r join documents d on d.digest = r.digest"
    ):
        texts[(row["agency_id"], row["year"])] = _normalise_for_compare(row["text"] or "",
                                                                        row["year"])
    updates = []
    for (agency_id, year), text in texts.items():
        previous = texts.get((agency_id, year - 1))
        if previous and text and _similar(text, previous):
            updates.append((agency_id, year))
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
