"""The catalog database: opening it, and its schema as sqlite-utils migrations.

One SQLite file (``data/catalog.db``) in WAL mode, so a crawl or an indexer can write while
watchdogs read it in Datasette. The schema grows only by appending migrations below; a
database made by an older nianbao is brought up to date on open.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

CATALOG_FILENAME = "catalog.db"

migrations = Migrations("nianbao.catalog")


def catalog_path(data_dir: Path) -> Path:
    return Path(data_dir) / CATALOG_FILENAME


def open_catalog(data_dir: Path, *, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating and migrating if needed) the catalog of a data directory."""
    path = catalog_path(data_dir)
    if read_only:
        import sqlite3

        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return sqlite_utils.Database(conn)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA foreign_keys=ON")
    migrations.apply(db)
    return db


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("regions").create(
        {
            "code": str,
            "name": str,
            "level": str,
            "province": str,
            "prefecture": str,
            "status": str,
            "first_year": int,
            "last_year": int,
            "successor": str,
        },
        pk="code",
    )
    db.table("agencies").create(
        {
            "agency_id": str,
            "name": str,
            "region_code": str,
            "level": str,
            "kind": str,
            "portal_url": str,
            "report_url": str,
            "render": str,
            "since": int,
            "registry": str,
        },
        pk="agency_id",
    )
    db.table("agencies").create_index(["region_code"])
    db.table("crawls").create(
        {
            "crawl_id": str,
            "started": str,
            "finished": str,
            "status": str,
            "stop_reason": str,
            "registry": str,
            "report_path": str,
            "report_mtime": float,
            "warc_files": str,  # JSON list
        },
        pk="crawl_id",
    )
    db.table("crawl_seeds").create(
        {
            "crawl_id": str,
            "agency_id": str,
            "crawled_at": str,
            "status": str,
            "complete": int,
            "reason": str,
            "pages": int,
            "report_pages": int,
            "attachments": int,
            "response_classes": str,  # JSON object
        },
        pk=("crawl_id", "agency_id"),
    )
    db.table("warc_files").create(
        {"filename": str, "size": int, "mtime": float, "records": int, "indexed_at": str},
        pk="filename",
    )
    db.table("captures").create(
        {
            "record_id": str,
            "url": str,
            "host": str,
            "captured_at": str,
            "record_type": str,
            "status": int,
            "mime": str,
            "response_class": str,
            "digest": str,
            "warc_file": str,
            "offset": int,
            "length": int,
            "crawl_id": str,
            "agency_id": str,
            "via": str,
            "hops": int,
            "role": str,  # page | list | attachment | robots | other (from crawl metadata)
            "truncated": str,
        },
        pk="record_id",
    )
    db.table("captures").create_index(["url"])
    db.table("captures").create_index(["digest"])
    db.table("captures").create_index(["agency_id", "captured_at"])
    db.table("documents").create(
        {
            "digest": str,
            "format": str,
            "is_report": int,
            "kind": str,
            "title": str,
            "text": str,
            "needs_ocr": int,
            "warnings": str,  # JSON list
            "parsed": str,  # JSON: the whole parser output less text
            "parser_version": str,
        },
        pk="digest",
    )
    db.table("reports").create(
        {
            "report_id": str,
            "agency_id": str,
            "year": int,
            "title": str,
            "kind": str,
            "template": str,
            "agency_name": str,
            "region_code": str,
            "published": str,
            "published_source": str,
            "published_evidence": str,
            "first_seen": str,
            "last_seen": str,
            "url": str,
            "digest": str,
            "record_id": str,
            "attachments": str,  # JSON list of {url, digest, record_id}
            "withdrawn": int,
            "changed": int,
            "changes": str,  # JSON
        },
        pk="report_id",
    )
    db.table("reports").create_index(["agency_id", "year"])
    db.table("report_tables").create(
        {
            "report_id": str,
            "table_name": str,
            "row_key": str,
            "column_key": str,
            "value": float,
        },
        pk=("report_id", "table_name", "row_key", "column_key"),
    )
    db.table("report_checks").create(
        {"report_id": str, "rule": str, "ok": int, "details": str},
        pk=("report_id", "rule"),
    )
    db.table("expectations").create(
        {
            "agency_id": str,
            "year": int,
            "deadline": str,
            "rule_id": str,
            "rule_source": str,
        },
        pk=("agency_id", "year"),
    )
    db.table("status").create(
        {
            "agency_id": str,
            "year": int,
            "as_of": str,
            "status": str,
            "days_late": int,
            "deadline": str,
            "published": str,
            "published_source": str,
            "date_basis": str,
            "first_seen": str,
            "url": str,
            "report_id": str,
            "evidence": str,  # JSON list of {warc_file, offset, record_id, url, captured_at}
            "flags": str,  # JSON list
            "reason": str,
        },
        pk=("agency_id", "year"),
    )
    db.table("status").create_index(["status"])
    db.table("status").create_index(["year"])
    # Full-text search over report titles and document text (FTS5, kept in sync by triggers).
    # The trigram tokenizer because Chinese has no spaces: unicode61 would make a whole title
    # one token; trigrams match any substring of three or more characters (民政局, 依申请).
    for table, columns in (("documents", ["title", "text"]), ("reports", ["title", "agency_name"])):
        db.table(table).enable_fts(columns, fts_version="FTS5", create_triggers=True,
                             tokenize="trigram")


@migrations()
def m002_status_view(db: sqlite_utils.Database) -> None:
    """Status with the agency's name, region and level, for browsing and the coverage grid."""
    db.create_view(
        "status_view",
        """
        select s.agency_id, a.name as agency_name, a.region_code, r.name as region_name,
               a.level, a.kind, s.year, s.status, s.days_late, s.deadline, s.published,
               s.published_source, s.first_seen, s.url, s.evidence, s.flags, s.reason, s.as_of
        from status s
        join agencies a on a.agency_id = s.agency_id
        left join regions r on r.code = a.region_code
        """,
    )


@migrations()
def m003_observed_at(db: sqlite_utils.Database) -> None:
    """When, in the world the portals showed, a capture was made.

    Equal to ``captured_at`` (the WARC-Date, always the real clock) except for simulation runs
    against the sandbox, whose portals show the world as of a chosen day: there the crawler
    records that day, and deadlines are judged against it. The WARC-Date is never altered.
    """
    db.table("captures").add_column("observed_at", str)
    db.execute("update captures set observed_at = captured_at")
    db.table("captures").create_index(["url", "observed_at"])


@migrations()
def m004_coverage_counts(db: sqlite_utils.Database) -> None:
    """Status counts per (division, level, year, status), refreshed with ``status``: the
    coverage grid sums these (thousands of rows) instead of the status table (a million)."""
    db.table("coverage_counts").create(
        {"region_code": str, "level": str, "year": int, "status": str, "n": int},
        pk=("region_code", "level", "year", "status"),
    )


@migrations()
def m005_workflows(db: sqlite_utils.Database) -> None:
    """Crawl workflows (what to crawl, how far, when) and every run of one, so the schedule,
    overlaps, skips and failures are visible next to the crawls they made (issue 8)."""
    db.table("workflows").create(
        {
            "name": str,
            "description": str,
            "registry": str,
            "agencies": str,  # JSON lists: the registry selection
            "regions": str,
            "levels": str,
            "kinds": str,
            "scope_include": str,  # JSON lists of regexes
            "scope_exclude": str,
            "max_depth": int,
            "max_hops": int,
            "max_pages": int,
            "time_limit": float,
            "max_bytes": int,
            "render": str,
            "schedule": str,
            "timezone": str,
            "paused": int,
            "settings": str,  # JSON object of extra crawl settings
            "proxy": str,
            "created": str,
            "updated": str,
            "baseline": str,  # schedule slots count from here (creation or resume)
        },
        pk="name",
    )
    db.table("workflow_runs").create(
        {
            "run_id": int,
            "workflow": str,
            "scheduled_for": str,
            "started": str,
            "ended": str,
            "state": str,  # running | complete | partial | failed | skipped
            "crawl_id": str,
            "report_path": str,
            "log_path": str,
            "pid": int,
            "nodes": str,
            "reason": str,
        },
        pk="run_id",
    )
    db.table("workflow_runs").create_index(["workflow", "scheduled_for"])


@migrations()
def m006_ui_indexes(db: sqlite_utils.Database) -> None:
    """Indexes the watchdog UI needs at national scale (issue 7): a coverage cell's agency
    list, the missing/late/unverified stored queries and their CSV all select one status in
    one year, which the single-column indexes answered by reading every row of the year or of
    the status (a tenth or more of a million-row table). With agency_id in it the join to the
    agencies (for the region) needs no read of the wide status row until a row qualifies."""
    db.table("status").create_index(["status", "year", "agency_id"], if_not_exists=True)


@migrations()
def m007_status_order_and_first_evidence(db: sqlite_utils.Database) -> None:
    """``nianbao status`` at national scale (issue 6): agencies indexed in the contract's order
    (region, agency) so a million rows stream without a sort, and the first evidence item
    kept as its own JSON text so the answer needs no JSON parsing per row. Status is cleared:
    the next query recomputes it with the new column filled."""
    db.table("agencies").create_index(["region_code", "agency_id"], if_not_exists=True)
    db.table("status").add_column("evidence_first", str)
    db.execute("delete from status")


# What status rows repeat of their agency and its division (m008), in step with the sources.
STATUS_AGENCY_COLUMNS = ("agency_name", "region_code", "region_name", "level", "kind")


@migrations()
def m008_status_denormalised(db: sqlite_utils.Database) -> None:
    """Status rows carry their agency's name, division (code and name), level and kind, so the
    watchdog UI at national scale needs no join (issue 7): Datasette counted the 1.1 million
    rows of ``status_view`` through a join to agencies and regions on every unfiltered page
    (seconds), and the stored queries joined them to filter by region and sort by name.

    ``compute_status`` writes the copies; triggers keep them in step when an agency or a
    division changes between two computations (a registry reloaded by ``nianbao index``), so
    no path that writes ``agencies`` or ``regions`` can leave a stale name in ``status``.
    Indexes follow the stored queries' WHERE and ORDER BY (checked with EXPLAIN QUERY PLAN):
    one status by year (newest first), division and name — missing, unverified, a coverage
    cell; one status by days late — late reports, most days first, streamed without a sort;
    a division's rows in the contract's order (region, agency, year) — a region's page, its
    coverage, and ``nianbao status`` streamed from status alone. They replace the two
    indexes of m001/m006 that are their prefixes."""
    status = db.table("status")
    for column in STATUS_AGENCY_COLUMNS:
        status.add_column(column, str)
    db.execute(
        "update status set agency_name = a.name, region_code = a.region_code, "
        "region_name = r.name, level = a.level, kind = a.kind "
        "from agencies a left join regions r on r.code = a.region_code "
        "where a.agency_id = status.agency_id"
    )
    db.execute("drop index if exists idx_status_status")
    db.execute("drop index if exists idx_status_status_year_agency_id")
    db.execute("create index if not exists idx_status_status_year_region "
               "on status (status, year desc, region_code, agency_name)")
    db.execute("create index if not exists idx_status_status_days_late "
               "on status (status, days_late, year, region_code)")
    db.execute("create index if not exists idx_status_region_agency "
               "on status (region_code, agency_id, year, status)")
    copy_agency = (
        "update status set agency_name = new.name, region_code = new.region_code, "
        "region_name = (select name from regions where code = new.region_code), "
        "level = new.level, kind = new.kind where agency_id = new.agency_id;"
    )
    # one statement per execute: executescript would commit the migration's transaction
    triggers = (
        f"create trigger status_agency_inserted after insert on agencies begin {copy_agency} end",
        "create trigger status_agency_updated "
        "after update of name, region_code, level, kind on agencies "
        "when old.name is not new.name or old.region_code is not new.region_code "
        "or old.level is not new.level or old.kind is not new.kind "
        f"begin {copy_agency} end",
        "create trigger status_region_inserted after insert on regions "
        "begin update status set region_name = new.name where region_code = new.code; end",
        "create trigger status_region_updated after update of name on regions "
        "when old.name is not new.name "
        "begin update status set region_name = new.name where region_code = new.code; end",
    )
    for sql in triggers:
        db.execute(sql)
    db.execute("drop view if exists status_view")
    db.create_view(
        "status_view",
        """
        select agency_id, agency_name, region_code, region_name, level, kind, year, status,
               days_late, deadline, published, published_source, first_seen, url, evidence,
               flags, reason, as_of
        from status
        """,
    )
