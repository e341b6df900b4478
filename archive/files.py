"""Where the archive's files live in a data directory, and how WARC files are named."""

from __future__ import annotations

import re
import socket
from pathlib import Path

WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".warc.gz.open"
NAME_RE = re.compile(r"^NIANBAO-(\d{14})-(\d+)-([A-Za-z0-9.-]+)\.warc\.gz$")


def warcs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "warcs"


def indexes_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "indexes"


def closed_warcs(data_dir: Path) -> list[Path]:
    """Closed WARC files, sorted by name (which sorts by creation time, then serial)."""
    d = warcs_dir(data_dir)
    return sorted(d.glob("*" + WARC_SUFFIX)) if d.is_dir() else []


def open_warcs(data_dir: Path) -> list[Path]:
    """Files still being written, or left behind by a crash (``.warc.gz.open``)."""
    d = warcs_dir(data_dir)
    return sorted(d.glob("*" + OPEN_SUFFIX)) if d.is_dir() else []


def cdxj_path(data_dir: Path, warc_name: str) -> Path:
    """The CDXJ index of one WARC: ``indexes/<name without .warc.gz>.cdxj``."""
    stem = warc_name[: -len(WARC_SUFFIX)] if warc_name.endswith(WARC_SUFFIX) else warc_name
    return indexes_dir(data_dir) / (stem + ".cdxj")


def safe_hostname() -> str:
    """This machine's name, reduced to characters safe in a file name."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname()).strip("-.") or "localhost"


def warc_name(timestamp14: str, serial: int, hostname: str) -> str:
    return f"NIANBAO-{timestamp14}-{serial:05d}-{hostname}{WARC_SUFFIX}"
