"""``nianbao index``: from the WARCs of a data directory to the catalog.

Three passes, each incremental:

1. *captures*: every response, revisit and resource record of every closed WARC not yet
   indexed (a file is re-read only when its size or mtime changed), joined with the crawler's
   metadata record for the same exchange (agency, role, via, hops, response class);
2. *documents*: every distinct payload digest of a 200 response that looks like a document is
   parsed once with :mod:`parsers` (``--reparse`` parses them all again after a parser upgrade);
3. *reports*: documents the parser calls annual reports are attributed to a registry agency
   and a year, and merged with their captures (first/last seen, attachments, changes).

Re-running on unchanged archives reads no WARC and parses nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils

from archive.files import closed_warcs
from archive.reader import ArchivedRecord, iter_records, read_record, resolve_payload
from catalog.attribution import Attributor
from catalog.compute import clear_status
from catalog.db import open_catalog
from parsers.checks import run_checks

log = logging.getLogger(__name__)

PARSER_VERSION_KEY = "parser_version"
DOCUMENT_MIME_HINTS = (
    "html",
    "pdf",
    "msword",
    "officedocument",
    "ms-excel",
    "wps",
    "ofd",
    "octet-stream",
    "text/plain",
)
DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".ofd", ".htm", ".html",
                       ".shtml", ".jhtml")


@dataclass
class IndexStats:
    warc_files: int = 0
    crawls: int = 0
    records: int = 0
    captures: int = 0
    documents_parsed: int = 0
    reports: int = 0
    errors: list[str] = field(default_factory=list)


def parser_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nianbao")
    except PackageNotFoundError:  # running from a source tree without install
        return "0+unknown"


def index_data_dir(data_dir: Path, *, reparse: bool = False, jobs: int | None = None) -> IndexStats:
    """Bring the catalog of ``data_dir`` up to date with its WARCs and crawl reports."""
    data_dir = Path(data_dir)
    db = open_catalog(data_dir)
    stats = IndexStats()
    # Reports and status are derived from captures, documents and crawls, which commit pass by
    # pass. An index killed between those commits and the rebuild below would leave them stale
    # on every later run (which then sees nothing new), so the rebuild is owed until it is done.
    marker = _owed_marker(data_dir)
    owed = marker.exists()
    marker.touch()
    from catalog.crawls import load_crawl_reports

    stats.crawls = load_crawl_reports(db, data_dir)
    for path in closed_warcs(data_dir):
        st = path.stat()
        row = _get(db, "warc_files", path.name)
        if row and row["size"] == st.st_size and row["mtime"] == st.st_mtime:
            continue
        try:
            n = _index_warc(db, path)
        except ValueError as exc:  # a damaged file: say which, keep everything else
            stats.errors.append(str(exc))
            log.error("%s", exc)
            continue
        stats.warc_files += 1
        stats.records += n
        db.table("warc_files").upsert(
            {
                "filename": path.name,
                "size": st.st_size,
                "mtime": st.st_mtime,
                "records": n,
                "indexed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            pk="filename",
        )
    stats.captures = db.table("captures").count
    stats.documents_parsed = _parse_documents(db, data_dir, reparse=reparse, errors=stats.errors,
                                              jobs=jobs)
    if owed or stats.warc_files or stats.documents_parsed or reparse or stats.crawls:
        stats.reports = build_reports(db)
        clear_status(db)
        db.conn.commit()
    else:
        stats.reports = db.table("reports").count
    marker.unlink(missing_ok=True)
    return stats


def _owed_marker(data_dir: Path) -> Path:
    """A file next to the catalog that exists while an index run owes the rebuild of reports
    and status (a file, not a row: it must survive whatever state the catalog was killed in)."""
    return Path(data_dir) / "catalog.db.rebuild-owed"


def _get(db: sqlite_utils.Database, table: str, pk: str) -> dict | None:
    try:
        return db.table(table).get(pk)
    except sqlite_utils.db.NotFoundError:
        return None


# -- pass 1: captures ------------------------------------------------------------------------


def parse_metadata_block(record: ArchivedRecord) -> dict[str, str]:
    """The crawler's metadata record: JSON, or WARC ``application/warc-fields`` lines."""
    text = record.payload.decode("utf-8", "replace")
    content_type = (record.header("Content-Type") or "").lower()
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
            return {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                    for k, v in value.items()}
        except (ValueError, AttributeError):
            pass
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if ":" in line:
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    return fields


def _iter_capture_rows(path: Path) -> Iterator[dict]:
    pending: dict[str, dict] = {}
    meta_by_target: dict[str, dict[str, str]] = {}
    crawl_of_warcinfo: dict[str, str] = {}
    for rec in iter_records(path, with_payload=True):
        if rec.rec_type == "warcinfo":
            info = parse_metadata_block(rec)
            crawl_of_warcinfo[rec.record_id] = info.get("crawl-id") or info.get("crawl_id") or ""
            continue
        if rec.rec_type in ("response", "revisit", "resource", "conversion"):
            url = rec.target_uri or ""
            digest = rec.header("WARC-Payload-Digest") or rec.header("WARC-Block-Digest") or ""
            mime = (rec.http_header("Content-Type") if rec.http_headers
                    else rec.header("Content-Type")) or ""
            pending[rec.record_id] = {
                "record_id": rec.record_id,
                "url": url,
                "host": (urlsplit(url).hostname or "").lower(),
                "captured_at": rec.date,
                "record_type": rec.rec_type,
                "status": rec.http_status,
                "mime": mime.split(";")[0].strip().lower(),
                "digest": digest,
                "warc_file": path.name,
                "offset": rec.offset,
                "length": rec.length,
                "truncated": rec.header("WARC-Truncated"),
                "crawl_id": crawl_of_warcinfo.get(rec.header("WARC-Warcinfo-ID") or ""),
            }
            if rec.rec_type == "revisit" and not rec.header("WARC-Payload-Digest"):
                # a 304 (server-not-modified) capture has no payload digest of its own: it
                # stands for the capture it refers to (resolved in _index_warc)
                pending[rec.record_id]["refers_to"] = rec.header("WARC-Refers-To")
        elif rec.rec_type == "metadata":
            refers = rec.header("WARC-Concurrent-To") or rec.header("WARC-Refers-To") or ""
            meta_by_target[refers] = parse_metadata_block(rec)
    for record_id, row in pending.items():
        meta = meta_by_target.get(record_id, {})
        row.update(
            {
                "crawl_id": meta.get("crawl_id") or meta.get("crawl-id") or row["crawl_id"],
                "observed_at": observed_at(row["captured_at"], meta.get("simulated-date")),
                "agency_id": meta.get("agency_id") or meta.get("agency-id"),
                "via": meta.get("via") or meta.get("referrer"),
                "hops": _int(meta.get("hops") or meta.get("hops-from-seed")),
                "role": meta.get("role") or meta.get("kind"),
                "response_class": meta.get("response_class") or meta.get("response-class"),
            }
        )
        yield row


def observed_at(captured_at: str, simulated_date: str | None) -> str:
    """The capture's time in the world the portals showed: the WARC-Date, or for a sandbox
    simulation run the simulated day with the real time of day (keeps order within a crawl)."""
    if not simulated_date:
        return captured_at
    time_part = captured_at.split("T", 1)[1] if "T" in captured_at else "00:00:00Z"
    return f"{simulated_date[:10]}T{time_part}"


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _index_warc(db: sqlite_utils.Database, path: Path) -> int:
    rows = list(_iter_capture_rows(path))
    by_id = {r["record_id"]: r for r in rows}
    for row in rows:
        refers = row.pop("refers_to", None)
        if refers:  # files are indexed oldest first: the original is here or indexed already
            original = by_id.get(refers) or _get(db, "captures", refers)
            if original:
                row["digest"] = original["digest"]
    with db.conn:
        db.table("captures").upsert_all(rows, pk="record_id")
    return len(rows)


# -- pass 2: documents -----------------------------------------------------------------------


def looks_like_document(url: str, mime: str, role: str | None) -> bool:
    if role in ("attachment", "page", "report"):
        return True
    path = urlsplit(url).path.lower()
    if path.endswith("robots.txt"):
        return False
    return any(h in mime for h in DOCUMENT_MIME_HINTS) or path.endswith(DOCUMENT_EXTENSIONS)


def _parse_one(job: tuple[str, bytes, str, str | None, dict[str, str]]) -> tuple[str, dict | str]:
    """Parse one payload (in a worker process): ``(digest, result)`` or ``(digest, error)``."""
    from parsers.report import parse_document

    digest, body, url, content_type, headers = job
    try:
        return digest, parse_document(body, url=url, content_type=content_type, headers=headers)
    except Exception as exc:  # a parser bug on one document must not stop the index
        return digest, f"{type(exc).__name__}: {exc}"


def _document_row(digest: str, version: str, result: dict | str, where: str,
                  errors: list[str]) -> dict:
    row: dict = {"digest": digest, "parser_version": version}
    if isinstance(result, str):
        message = f"{where}: cannot parse: {result}"
        errors.append(message)
        log.warning("%s", message)
        row.update({"format": "unknown", "is_report": 0, "kind": "other", "title": None,
                    "text": "", "needs_ocr": 0, "warnings": json.dumps([message]),
                    "parsed": "{}"})
        return row
    rest = {k: v for k, v in result.items() if k != "text"}
    row.update(
        {
            "format": result.get("format"),
            "is_report": int(bool(result.get("is_report"))),
            "kind": result.get("kind"),
            "title": result.get("title"),
            "text": result.get("text") or "",
            "needs_ocr": int(bool(result.get("needs_ocr"))),
            "warnings": json.dumps(result.get("warnings") or [], ensure_ascii=False),
            "parsed": json.dumps(rest, ensure_ascii=False, default=str),
        }
    )
    return row


def _parse_documents(
    db: sqlite_utils.Database,
    data_dir: Path,
    *,
    reparse: bool,
    errors: list[str],
    jobs: int | None = None,
) -> int:
    """Parse every not-yet-parsed payload, ``jobs`` processes at a time.

    Parsing is CPU-bound and DOC/WPS conversion waits on LibreOffice, so it runs in a process
    pool; this process only reads payloads from the WARCs and writes rows in batches.
    """
    version = parser_version()
    done: set[str] = set()
    if not reparse:
        done = {r["digest"] for r in db.query("select digest from documents")}
    todo: dict[str, dict] = {}
    for cap in db.query(
        "select * from captures where status = 200 and record_type in ('response', 'revisit') "
        "and digest != '' order by captured_at"
    ):
        if cap["digest"] in done or cap["digest"] in todo:
            continue
        if looks_like_document(cap["url"], cap["mime"] or "", cap["role"]):
            todo[cap["digest"]] = cap
    if not todo:
        return 0

    def payloads() -> Iterator[tuple[str, bytes, str, str | None, dict[str, str]]]:
        for digest, cap in todo.items():
            where = f"{cap['warc_file']}#{cap['offset']} ({cap['url']})"
            try:
                record = resolve_payload(
                    data_dir, read_record(data_dir / "warcs" / cap["warc_file"], cap["offset"])
                )
                body = record.decoded_payload()
            except (OSError, ValueError) as exc:
                db.table("documents").upsert(_document_row(digest, version, str(exc), where, errors),
                                       pk="digest")
                continue
            headers = {k: v for k, v in record.http_headers}
            yield digest, body, cap["url"], record.http_header("Content-Type"), headers

    workers = max(1, jobs or os.cpu_count() or 1)
    parsed = 0
    batch: list[dict] = []

    def flush() -> None:
        with db.conn:
            db.table("documents").upsert_all(batch, pk="digest")
        batch.clear()

    if workers == 1:
        results: Iterable[tuple[str, dict | str]] = map(_parse_one, payloads())
        pool = None
    else:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
        results = pool.map(_parse_one, payloads(), chunksize=4)
    try:
        for digest, result in results:
            cap = todo[digest]
            where = f"{cap['warc_file']}#{cap['offset']} ({cap['url']})"
            batch.append(_document_row(digest, version, result, where, errors))
            parsed += 1
            if len(batch) >= 100:
                flush()
        flush()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return parsed


# -- pass 3: reports -------------------------------------------------------------------------


def build_reports(db: sqlite_utils.Database) -> int:
    """Rebuild ``reports``, ``report_tables`` and ``report_checks`` from captures + documents.

    Derived entirely from the two tables below it, so it is cheap to redo after any change.
    """
    attributor = Attributor.from_db(db)
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    docs: dict[str, dict] = {}
    for row in db.query(
        "select c.*, d.kind as doc_kind, d.parsed as parsed, d.title as doc_title "
        "from captures c join documents d on d.digest = c.digest "
        "where d.is_report = 1 and d.kind = 'annual_report' "
        # a listing whose only text is a report's link title is not the report
        "and coalesce(c.role, '') not in ('list', 'robots') order by c.observed_at"
    ):
        parsed = json.loads(row["parsed"] or "{}")
        year = parsed.get("year")
        agency_id = attributor.attribute(
            host=row["host"],
            parsed_agency=parsed.get("agency"),
            region_code=parsed.get("region_code"),
            crawl_agency=row["agency_id"],
        )
        if not year or not agency_id:
            continue
        groups[(agency_id, int(year))].append(row)
        docs[row["digest"]] = parsed
    with db.conn:
        for table in ("reports", "report_tables", "report_checks"):
            db.execute(f"delete from {table}")
        for (agency_id, year), caps in groups.items():
            _write_report(db, agency_id, year, caps, docs)
    _mark_withdrawn(db)
    return db.table("reports").count


def _richness(parsed: dict) -> tuple[int, int]:
    tables = parsed.get("tables") or {}
    cells = sum(
        1 for rows in (tables.get("t3") or {}).values() for v in (rows or {}).values()
        if v is not None
    )
    return (cells, 1 if parsed.get("published") else 0)


def _write_report(db, agency_id: str, year: int, caps: list[dict], docs: dict[str, dict]) -> None:
    report_id = f"{agency_id}:{year}"
    pages = [c for c in caps if (c["mime"] or "").startswith("text/html")]
    primary = pages[0] if pages else caps[0]
    best = max(caps, key=lambda c: _richness(docs[c["digest"]]))
    best_doc = docs[best["digest"]]
    dated = next(
        (docs[c["digest"]] for c in [primary, *caps] if docs[c["digest"]].get("published")),
        best_doc,
    )
    attachments = [
        {"url": c["url"], "digest": c["digest"], "record_id": c["record_id"]}
        for c in caps
        if c is not primary and c["url"] != primary["url"]
    ]
    by_url: dict[str, set[str]] = defaultdict(set)
    for c in caps:
        by_url[c["url"]].add(c["digest"])
    changes = _changes(caps, docs)
    db.table("reports").insert(
        {
            "report_id": report_id,
            "agency_id": agency_id,
            "year": year,
            "title": best_doc.get("title") or primary.get("doc_title"),
            "kind": "annual_report",
            "template": best_doc.get("template"),
            "agency_name": best_doc.get("agency"),
            "region_code": best_doc.get("region_code"),
            "published": dated.get("published"),
            "published_source": dated.get("published_source"),
            "published_evidence": dated.get("published_evidence"),
            "first_seen": min(c["observed_at"] for c in caps),
            "last_seen": max(c["observed_at"] for c in caps),
            "url": primary["url"],
            "digest": primary["digest"],
            "record_id": primary["record_id"],
            "attachments": json.dumps(_dedupe(attachments), ensure_ascii=False),
            "withdrawn": 0,
            "changed": int(bool(changes)),
            "changes": json.dumps(changes, ensure_ascii=False) if changes else None,
        },
        pk="report_id",
    )
    tables = merge_tables([best_doc] + [docs[c["digest"]] for c in caps if c is not best])
    rows = []
    for table_name in ("t2", "t3", "t4"):
        for row_key, columns in _flatten(tables.get(table_name) or {}):
            for column_key, value in columns.items():
                if isinstance(value, (int, float)):
                    rows.append({"report_id": report_id, "table_name": table_name,
                                 "row_key": row_key, "column_key": column_key, "value": value})
    if rows:
        db.table("report_tables").insert_all(rows, pk=("report_id", "table_name", "row_key",
                                                  "column_key"), replace=True)
    # Checked on the merged tables: with 表四 on a second page or in the attachment, the best
    # document alone would leave T4-A unchecked.
    checks = (run_checks(tables.get("t3"), tables.get("t4"))
              if tables.get("t3") or tables.get("t4") else best_doc.get("checks") or {})
    db.table("report_checks").insert_all(
        (
            {"report_id": report_id, "rule": rule, "ok": int(bool((c or {}).get("ok"))),
             "details": json.dumps(c, ensure_ascii=False, default=str)}
            for rule, c in checks.items()
            if isinstance(c, dict) and c.get("ok") is not None
        ),
        pk=("report_id", "rule"),
        replace=True,
    )


def merge_tables(parsed_docs: list[dict]) -> dict:
    """One report's tables from all its documents, richest first: a report continued on a
    second page (``…_2.htm``) or split between page and attachment has 表四 only on one of them.
    A cell already read is never overwritten by a later document."""
    merged: dict[str, dict[str, dict]] = {}
    for parsed in parsed_docs:
        for table_name, table in (parsed.get("tables") or {}).items():
            if not isinstance(table, dict):
                continue
            target = merged.setdefault(table_name, {})
            for row_key, columns in _flatten(table):
                row = target.setdefault(row_key, {})
                for column, value in columns.items():
                    if row.get(column) is None and value is not None:
                        row[column] = value
    return merged


def _flatten(table: dict) -> Iterable[tuple[str, dict]]:
    for row_key, columns in table.items():
        if isinstance(columns, dict):
            yield row_key, columns


def _dedupe(items: list[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item["url"] not in seen:
            seen.add(item["url"])
            out.append(item)
    return out


def _changes(caps: list[dict], docs: dict[str, dict]) -> list[dict]:
    """For a URL captured with different payloads: which fields and table cells changed."""
    out: list[dict] = []
    by_url: dict[str, list[dict]] = defaultdict(list)
    for c in caps:
        by_url[c["url"]].append(c)
    for url, series in by_url.items():
        for before, after in zip(series, series[1:], strict=False):
            if before["digest"] == after["digest"]:
                continue
            a, b = docs[before["digest"]], docs[after["digest"]]
            fields = [k for k in ("title", "published", "agency", "year", "template")
                      if a.get(k) != b.get(k)]
            cells = _cell_diff(a.get("tables") or {}, b.get("tables") or {})
            out.append({"url": url, "from": before["observed_at"], "to": after["observed_at"],
                        "fields": fields, "cells": cells})
    return out


def _cell_diff(a: dict, b: dict) -> list[dict]:
    diffs = []
    for table_name in ("t2", "t3", "t4"):
        ta, tb = a.get(table_name) or {}, b.get(table_name) or {}
        for row_key in sorted(set(ta) | set(tb)):
            ra, rb = ta.get(row_key) or {}, tb.get(row_key) or {}
            if not isinstance(ra, dict) or not isinstance(rb, dict):
                continue
            for col in sorted(set(ra) | set(rb)):
                if ra.get(col) != rb.get(col):
                    diffs.append({"table": table_name, "row": row_key, "column": col,
                                  "before": ra.get(col), "after": rb.get(col)})
    return diffs


def _mark_withdrawn(db: sqlite_utils.Database) -> None:
    """A report is withdrawn when its page's latest capture says it is gone (404/410)."""
    db.execute(
        """
        update reports set withdrawn = 1 where url in (
          select c.url from captures c
          where c.observed_at = (select max(c2.observed_at) from captures c2 where c2.url = c.url)
            and c.status in (404, 410)
        )
        """
    )
    db.conn.commit()
