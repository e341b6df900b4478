"""Repair after a crash: cut a torn last record off a ``.warc.gz.open`` file, close and index it.

A writer killed mid-record leaves a file whose members are all complete except possibly the
last (see :mod:`archive.writer`). Repair keeps every complete record, truncates the rest, renames
the file to ``.warc.gz`` and writes its CDXJ. Files still held by a live writer (it keeps an
exclusive ``flock`` on them) are left alone, so repair is safe to run next to a running crawl.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from archive import cdxj, files
from archive.members import iter_members


@dataclass
class RepairResult:
    """What repair did to one file. ``path`` is the closed file (None if nothing was left)."""

    source: Path
    path: Path | None
    records_kept: int
    bytes_dropped: int
    skipped_live: bool = False


def repair_file(path: Path, data_dir: Path | None = None) -> RepairResult:
    """Repair one ``.warc.gz.open`` file; ``data_dir`` (default: two levels up) gets the CDXJ."""
    path = Path(path)
    if not path.name.endswith(files.OPEN_SUFFIX):
        raise ValueError(f"{path}: not an unclosed WARC (expected a name ending {files.OPEN_SUFFIX})")
    data_dir = Path(data_dir) if data_dir is not None else path.parent.parent
    with open(path, "r+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return RepairResult(path, None, 0, 0, skipped_live=True)
        size = os.fstat(fh.fileno()).st_size
        good_end = 0
        kept = 0
        for member in iter_members(path):
            if member.problem:
                break
            if kept == 0 and member.header("WARC-Type") != "warcinfo":
                break  # a file must start with its warcinfo; nothing here is trustworthy
            good_end = member.offset + member.length
            kept += 1
        if good_end < size:
            fh.truncate(good_end)
            fh.flush()
            os.fsync(fh.fileno())
        if kept == 0:
            path.unlink()
            return RepairResult(path, None, 0, size)
        final = path.with_name(path.name[: -len(".open")])
        if final.exists():
            raise ValueError(f"{path}: cannot close it, {final.name} already exists")
        os.replace(path, final)
    cdxj.write_lines(cdxj.index_warc(final), files.cdxj_path(data_dir, final.name))
    return RepairResult(path, final, kept, size - good_end)


def repair_data_dir(data_dir: Path) -> list[RepairResult]:
    """Repair every leftover ``.open`` WARC of a data directory not held by a live writer."""
    _remove_dead_creations(data_dir)
    return [repair_file(p, data_dir) for p in files.open_warcs(data_dir)]


def _remove_dead_creations(data_dir: Path) -> None:
    """Remove the empty hidden files (``.<pid>-<n>.creating``) that a writer killed while
    creating a WARC left behind (see ``ArchiveWriter._open_file``). Only those of dead
    processes: a live one may have created its file and not yet locked it."""
    wdir = files.warcs_dir(data_dir)
    for path in wdir.glob(".*.creating") if wdir.is_dir() else []:
        pid = path.name[1:].split("-", 1)[0]
        if not pid.isdigit() or pid_alive(int(pid)):
            continue
        try:
            with open(path, "rb") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.fstat(fh.fileno()).st_size == 0:
                    path.unlink(missing_ok=True)
        except (BlockingIOError, FileNotFoundError):
            continue


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
