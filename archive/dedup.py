"""The payload-digest index behind revisit records, in SQLite (plain ``sqlite3``).

One row per distinct payload digest: where it was first archived (URI, WARC-Date, record id,
file, offset). A second table keeps the latest capture per URI, so a ``304 Not Modified`` can
point at what it confirms. The index is a cache of facts already in the WARCs: if it is lost,
:func:`rebuild` recreates it from them.

Concurrency: WAL mode and a busy timeout let several writers (parallel crawls) share it.
``synchronous=NORMAL`` is enough: an entry is added only after its record was flushed to the
WARC, so no entry can point at a record a crash tore. Commits are batched (at most
``COMMIT_INTERVAL`` seconds apart, and on close): a commit per exchange was a third of the
writer's overhead, and what a kill loses by it is only some deduplication, never data.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from time import monotonic

COMMIT_INTERVAL = 0.5

SCHEMA = """
CREATE TABLE IF NOT EXISTS payloads (
    digest TEXT PRIMARY KEY, uri TEXT NOT NULL, date TEXT NOT NULL, record_id TEXT NOT NULL,
    filename TEXT NOT NULL, offset INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS captures (
    uri TEXT PRIMARY KEY, date TEXT NOT NULL, record_id TEXT NOT NULL, digest TEXT);
"""


@dataclass(frozen=True)
class Original:
    """Where a payload (or a URI's latest capture) was archived."""

    uri: str
    date: str
    record_id: str
    filename: str = ""
    offset: int = -1


class DedupIndex:
    """Digest → first capture; URI → latest capture. Commits after each :meth:`add`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            self._last_commit = monotonic()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path}: not a usable dedup index ({exc}); delete it and it "
                             "will be rebuilt from the WARCs") from exc

    def lookup(self, digest: str) -> Original | None:
        """The first archived capture with this payload digest, if any."""
        row = self.db.execute("SELECT uri, date, record_id, filename, offset FROM payloads "
                              "WHERE digest = ?", (digest,)).fetchone()
        return Original(*row) if row else None

    def latest(self, uri: str) -> Original | None:
        """The latest archived full capture of ``uri`` (for server-not-modified revisits)."""
        row = self.db.execute("SELECT uri, date, record_id FROM captures WHERE uri = ?",
                              (uri,)).fetchone()
        return Original(*row) if row else None

    def add(self, digest: str | None, original: Original, *, commit: bool = True) -> None:
        """Record a full capture: first one wins per digest, latest one wins per URI.
        With ``commit`` the transaction is committed if the last commit is old enough."""
        if digest:
            self.db.execute("INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?, ?, ?)",
                            (digest, original.uri, original.date, original.record_id,
                             original.filename, original.offset))
        self.db.execute(
            "INSERT INTO captures VALUES (?, ?, ?, ?) ON CONFLICT(uri) DO UPDATE SET "
            "date=excluded.date, record_id=excluded.record_id, digest=excluded.digest "
            "WHERE excluded.date >= captures.date",
            (original.uri, original.date, original.record_id, digest))
        if commit and monotonic() - self._last_commit >= COMMIT_INTERVAL:
            self.commit()

    def commit(self) -> None:
        self.db.commit()
        self._last_commit = monotonic()

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM payloads").fetchone()[0]

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def index_path(data_dir: Path) -> Path:
    return Path(data_dir) / "indexes" / "dedup.sqlite"


def rebuild(data_dir: Path, warc_paths: Iterable[Path]) -> DedupIndex:
    """Recreate the index from WARC files (oldest first, so the first capture wins).

    Only complete ``response`` records count as originals: a revisit has no payload of its own
    and a truncated body is not the payload its digest would promise to others. Identical-
    payload revisits still count as the latest capture of their URI (for 304 revisits).
    """
    from archive.reader import iter_records  # local: reader is heavier and not always needed

    path = index_path(data_dir)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    index = DedupIndex(path)
    for warc in sorted(warc_paths, key=lambda p: p.name):
        for rec in iter_records(warc, with_payload=False):
            if rec.header("WARC-Truncated"):
                continue
            original = Original(rec.target_uri or "", rec.date, rec.record_id, warc.name,
                                rec.offset)
            if rec.rec_type == "response":
                index.add(rec.header("WARC-Payload-Digest"), original, commit=False)
            elif rec.rec_type == "revisit" and (rec.header("WARC-Profile") or "").endswith(
                    "identical-payload-digest"):
                index.add(None, original, commit=False)  # a full capture of its URI, too
    index.db.commit()
    return index
