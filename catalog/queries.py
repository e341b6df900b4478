"""Questions people ask the catalog, answered once here and exposed by the CLI (and Datasette).

``status_rows`` is the contract of ARCHITECTURE.md: one object per expected (agency, year).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from catalog.compute import compute_status


def ensure_status(db: sqlite_utils.Database, as_of: dt.date, rules_file: Path | None = None) -> None:
    """Compute status as of ``as_of`` unless the stored status already is (the indexer clears
    it whenever reports change)."""
    # compute_status rewrites the whole table in one transaction, so one row tells the as-of
    # date of all of them (min/max over a national table would scan a million rows).
    row = db.execute("select as_of from status limit 1").fetchone()
    if rules_file is not None or row is None or row[0] != as_of.isoformat():
        compute_status(db, as_of=as_of, rules_file=rules_file)


def division_prefix(code: str) -> str:
    """The code prefix shared by a division and everything in it: ``320000`` (a province) →
    ``32``, ``320800`` (a prefecture) → ``3208``, ``320830`` (a county) → ``320830``. A shorter
    code is taken as a prefix already. (Stripping every trailing zero would turn the county
    320830 into 32083 and take in its sibling counties 320831…)"""
    if len(code) != 6:
        return code
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


STATUS_FIELDS = (
    # (key in the contract, SQL expression over status s). The agency's name, division, level
    # and kind are status's own copies (m008, kept in step with agencies): no join, and the
    # index on (region_code, agency_id, year) gives the contract's order without a sort.
    ("agency_id", "s.agency_id"),
    ("agency_name", "s.agency_name"),
    ("region_code", "s.region_code"),
    ("level", "s.level"),
    ("kind", "s.kind"),
    ("year", "s.year"),
    ("status", "s.status"),
    ("days_late", "s.days_late"),
    ("deadline", "s.deadline"),
    ("published", "s.published"),
    ("published_source", "s.published_source"),
    ("date_basis", "s.date_basis"),
    ("first_seen", "s.first_seen"),
    ("url", "s.url"),
    ("reason", "s.reason"),
)
# evidence (the first item), evidence_all and flags are stored as JSON text and spliced in as
# is (compute_status wrote them with json_object or json.dumps): parsing them again per row
# was half the cost of a national answer.
STORED_JSON = "s.evidence_first, s.evidence, s.flags"


def status_json(
    db: sqlite_utils.Database,
    *,
    as_of: dt.date,
    year: int | None = None,
    region: str | None = None,
    agency: str | None = None,
    status: str | None = None,
    rules_file: Path | None = None,
) -> Iterator[str]:
    """Status objects as JSON text, one per expected (agency, year), in region order.

    SQLite builds each object itself (``json_object``), so a national answer (a million rows)
    streams out at the speed of the database instead of through a million Python dicts.
    ``region`` is a division-code prefix (``3208`` = a city and everything under it).
    """
    ensure_status(db, as_of, rules_file)
    where: list[str] = ["1 = 1"]
    params: list[object] = []
    if year is not None:
        where.append("s.year = ?")
        params.append(year)
    if region:
        prefix = division_prefix(region)
        # a range, not LIKE: LIKE cannot use the index on region_code
        where.append("s.region_code >= ? and s.region_code < ?")
        params.extend([prefix, prefix + "\uffff"])
    if agency:
        where.append("s.agency_id = ?")
        params.append(agency)
    if status:
        where.append("s.status = ?")
        params.append(status)
    fields = ", ".join(f"'{key}', {expr}" for key, expr in STATUS_FIELDS)
    sql = (
        f"select json_object({fields}), {STORED_JSON} "
        f"from status s where {' and '.join(where)} order by s.region_code, s.agency_id, s.year"
    )
    cursor = db.execute(sql, params)
    while True:
        batch = cursor.fetchmany(5000)
        if not batch:
            return
        for text, first, evidence, flags in batch:
            yield (f'{text[:-1]},"evidence":{first or "null"},"evidence_all":{evidence or "[]"},'
                   f'"flags":{flags or "[]"}}}')


def status_rows(db: sqlite_utils.Database, **filters: Any) -> list[dict]:
    """The objects of :func:`status_json` (same keyword filters) as dicts, for the table and CSV
    outputs and for Python callers."""
    return [json.loads(text) for text in status_json(db, **filters)]


def report_detail(db: sqlite_utils.Database, agency_id: str, year: int) -> dict | None:
    """Everything about one report: metadata, tables, checks, captures."""
    try:
        report = db.table("reports").get(f"{agency_id}:{year}")
    except sqlite_utils.db.NotFoundError:
        return None
    tables: dict[str, dict[str, dict[str, float]]] = {}
    for r in db.query("select * from report_tables where report_id = ?", [report["report_id"]]):
        value = r["value"]
        tables.setdefault(r["table_name"], {}).setdefault(r["row_key"], {})[r["column_key"]] = (
            int(value) if float(value).is_integer() else value
        )
    checks = {
        r["rule"]: json.loads(r["details"] or "{}")
        for r in db.query("select * from report_checks where report_id = ?", [report["report_id"]])
    }
    urls = [report["url"]] + [a["url"] for a in json.loads(report["attachments"] or "[]")]
    marks = ",".join("?" * len(urls))
    captures = list(
        db.query(
            "select url, captured_at, observed_at, status, record_type, warc_file, offset, "
            f"record_id, crawl_id from captures where url in ({marks}) order by observed_at",
            urls,
        )
    )
    return dict(report, attachments=json.loads(report["attachments"] or "[]"),
                changes=json.loads(report["changes"] or "null"), tables=tables, checks=checks,
                captures=captures)
