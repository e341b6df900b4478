"""Write catalog tables to files analysts open elsewhere: CSV, JSON, Parquet.

Tables are streamed from SQLite in batches, never loaded whole, so a national catalog (a
million status rows) exports in bounded memory. Parquet goes through pyarrow with column types
taken from the SQLite schema (integers stay integers, JSON-in-text columns stay text), so pandas,
DuckDB and R read the files without guessing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

EXPORT_TABLES = ("agencies", "reports", "report_tables", "report_checks", "expectations", "status")
FORMATS = ("csv", "json", "parquet")
BATCH = 10_000


class ExportError(Exception):
    """An export that cannot be written (unknown format, missing library, unwritable path)."""


def _batches(db: sqlite_utils.Database, table: str) -> Iterator[tuple[list[str], list[tuple]]]:
    columns = [c.name for c in db.table(table).columns]
    cursor = db.execute(f"select {', '.join(f'[{c}]' for c in columns)} from [{table}]")
    while True:
        rows = cursor.fetchmany(BATCH)
        if not rows:
            return
        yield columns, rows


def _write_csv(db: sqlite_utils.Database, table: str, path: Path) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.name for c in db.table(table).columns])
        for _, rows in _batches(db, table):
            writer.writerows(rows)
            count += len(rows)
    return count


def _write_json(db: sqlite_utils.Database, table: str, path: Path) -> int:
    """A JSON array, one object per line (the C encoder, no indentation)."""
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[")
        for columns, rows in _batches(db, table):
            for row in rows:
                fh.write(",\n" if count else "\n")
                fh.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False))
                count += 1
        fh.write("\n]\n")
    return count


def _arrow_schema(db: sqlite_utils.Database, table: str) -> Any:
    import pyarrow as pa

    types = {int: pa.int64(), float: pa.float64(), bytes: pa.binary()}
    return pa.schema([(c.name, types.get(_python_type(c.type), pa.string()))
                      for c in db.table(table).columns])


def _python_type(sqlite_type: str) -> type:
    t = (sqlite_type or "").upper()
    if "INT" in t:
        return int
    if any(k in t for k in ("REAL", "FLOA", "DOUB")):
        return float
    if "BLOB" in t:
        return bytes
    return str


def _write_parquet(db: sqlite_utils.Database, table: str, path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise ExportError("parquet export needs pyarrow (pip install pyarrow)") from exc
    schema = _arrow_schema(db, table)
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for columns, rows in _batches(db, table):
            arrays = [pa.array([_coerce(r[i], field.type) for r in rows], type=field.type)
                      for i, field in enumerate(schema)]
            writer.write_table(pa.Table.from_arrays(arrays, names=columns))
            count += len(rows)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


def _coerce(value: Any, arrow_type: Any) -> Any:
    """SQLite is loosely typed: a text column may hold a number; keep the declared type."""
    import pyarrow as pa

    if value is None:
        return None
    if arrow_type == pa.string() and not isinstance(value, str):
        return str(value)
    if arrow_type == pa.int64() and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WRITERS = {"csv": _write_csv, "json": _write_json, "parquet": _write_parquet}


def export_tables(
    db: sqlite_utils.Database,
    out_dir: Path,
    fmt: str,
    tables: tuple[str, ...] = EXPORT_TABLES,
) -> dict[Path, int]:
    """Write each table to ``out_dir/<table>.<fmt>``; returns rows written per file.

    A file is written under a temporary name and renamed when complete, so a failed export
    never leaves a half file that looks whole.
    """
    if fmt not in WRITERS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out_dir}: cannot create the export directory ({exc})") from exc
    written: dict[Path, int] = {}
    for table in tables:
        if not db.table(table).exists():
            continue
        path = out_dir / f"{table}.{fmt}"
        partial = path.with_name(path.name + ".part")
        try:
            written[path] = WRITERS[fmt](db, table, partial)
            partial.replace(path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ExportError(f"{path}: cannot write ({exc})") from exc
    return written
