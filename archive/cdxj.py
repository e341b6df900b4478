"""CDXJ indexes, pywb-compatible and line-for-line equal to ``cdxj-indexer``'s default output.

Line: ``<SURT urlkey> <14-digit timestamp> <JSON>`` with JSON keys in cdxj-indexer's order
``url, mime, status, digest, length, offset, filename`` (absent values left out), records
``response``, ``revisit``, ``resource`` and non-``application/warc-fields`` ``metadata``.
Lines are sorted as strings and exact duplicates dropped, as ``cdxj-indexer --sort`` does.

The writer builds lines from what it just wrote (no second read of the file); ``index_warc``
builds the same lines from a file on disk, for ``nianbao archive index`` and for verify.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import surt
from warcio.timeutils import iso_date_to_timestamp

from archive.files import cdxj_path, closed_warcs

INDEXED_TYPES = ("response", "revisit", "resource", "metadata")
_MIME_SPLIT = re.compile(r"[;\s]")


def url_key(url: str) -> str:
    """SURT form of a URL, the sort key pywb looks up by (same library cdxj-indexer uses)."""
    try:
        return surt.surt(url)
    except Exception:  # surt raises assorted errors on odd URLs; cdxj-indexer falls back too
        return url


def cdxj_line(*, url: str, warc_date: str, rec_type: str, warc_content_type: str | None,
              http_status: int | str | None, http_content_type: str | None,
              payload_digest: str | None, length: int, offset: int, filename: str) -> str | None:
    """One index line, or None for records cdxj-indexer does not index by default."""
    if rec_type not in INDEXED_TYPES:
        return None
    if rec_type in ("resource", "metadata") and warc_content_type == "application/warc-fields":
        return None
    entry: dict[str, str] = {"url": url}
    if rec_type == "revisit":
        mime: str | None = "warc/revisit"
    elif rec_type == "response":
        mime = http_content_type
    else:
        mime = warc_content_type
    if mime is not None:
        entry["mime"] = _MIME_SPLIT.split(mime, 1)[0].strip() if mime else mime
    if http_status is not None and rec_type in ("response", "revisit"):
        entry["status"] = str(http_status)
    if payload_digest:
        entry["digest"] = payload_digest
    entry["length"] = str(length)
    entry["offset"] = str(offset)
    entry["filename"] = filename
    return f"{url_key(url)} {iso_date_to_timestamp(warc_date)} {json.dumps(entry)}\n"


def index_warc(path: Path) -> list[str]:
    """Sorted CDXJ lines of one WARC file on disk."""
    from archive.reader import iter_records

    lines = []
    for rec in iter_records(Path(path), with_payload=False):
        line = cdxj_line(
            url=rec.target_uri or "", warc_date=rec.date, rec_type=rec.rec_type,
            warc_content_type=rec.header("Content-Type"), http_status=rec.http_status,
            http_content_type=rec.http_header("Content-Type"),
            payload_digest=rec.header("WARC-Payload-Digest"), length=rec.length,
            offset=rec.offset, filename=Path(path).name)
        if line:
            lines.append(line)
    return sort_lines(lines)


def sort_lines(lines: Iterable[str]) -> list[str]:
    """Sorted, exact duplicates dropped (what ``cdxj-indexer --sort`` emits)."""
    out: list[str] = []
    for line in sorted(lines):
        if not out or out[-1] != line:
            out.append(line)
    return out


def write_lines(lines: Iterable[str], dest: Path) -> Path:
    """Write sorted lines atomically (temp file + rename), so pywb never reads half an index."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(sort_lines(lines))
    os.replace(tmp, dest)
    return dest


def rebuild_indexes(data_dir: Path) -> list[Path]:
    """Re-index every closed WARC of a data directory; returns the index files written."""
    return [write_lines(index_warc(w), cdxj_path(data_dir, w.name)) for w in closed_warcs(data_dir)]
