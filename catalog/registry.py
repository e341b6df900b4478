"""Load a registry CSV of agencies (the contract in ARCHITECTURE.md).

The registry is typed by people, so every problem is reported with the file, the line and what is
wrong, and all problems of a file are reported at once rather than the first only. Pure module:
the crawler and the catalog both import it, so it knows nothing of Scrapy or SQLite.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REQUIRED_COLUMNS = (
    "agency_id",
    "name",
    "region_code",
    "level",
    "kind",
    "portal_url",
    "report_url",
    "render",
)
OPTIONAL_COLUMNS = ("since",)
LEVELS = ("national", "province", "city", "county", "township")
KINDS = ("government", "department", "other")
RENDER_MODES = ("auto", "always", "never")
DEFAULT_SINCE = 2015

_AGENCY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_REGION = re.compile(r"^\d{6}$")


class RegistryError(ValueError):
    """A registry file that cannot be used; the message lists every problem found."""

    def __init__(self, path: str | os.PathLike[str], problems: list[str]):
        self.path = str(path)
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"registry {self.path}: {len(problems)} problem(s):\n{shown}{more}")


@dataclass(frozen=True)
class Agency:
    """One row of the registry: an agency and where its reports are published."""

    agency_id: str
    name: str
    region_code: str
    level: str
    kind: str
    portal_url: str
    report_url: str | None = None
    render: str = "auto"
    since: int = DEFAULT_SINCE

    @property
    def seed_urls(self) -> list[str]:
        """Where a crawl starts: the report column if known, then the portal."""
        urls = [u for u in (self.report_url, self.portal_url) if u]
        return list(dict.fromkeys(urls))

    @property
    def hosts(self) -> set[str]:
        """Host names of the seed URLs (lower case)."""
        return {urlsplit(u).hostname or "" for u in self.seed_urls} - {""}


def _check_url(value: str, column: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{column} {value!r} is not an http(s) URL"
    return None


def parse_rows(rows: Iterable[tuple[int, dict[str, str | None]]], path: str) -> list[Agency]:
    """Validate ``(line number, dict row)`` pairs (as from :class:`csv.DictReader`) into agencies.

    Line numbers are the file's, so messages point where a person edits.
    Raises :class:`RegistryError` listing every bad row.
    """
    problems: list[str] = []
    agencies: list[Agency] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if None in row:  # more cells than header columns
            problems.append(f"line {line}: more cells than the header has columns")
            continue
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue  # blank line
        errs: list[str] = []
        aid = cells.get("agency_id", "")
        if not aid:
            errs.append("agency_id is empty")
        elif not _AGENCY_ID.match(aid):
            errs.append(f"agency_id {aid!r} has characters other than letters, digits and _.:-")
        elif aid in seen:
            errs.append(f"agency_id {aid!r} repeats line {seen[aid]}")
        if not cells.get("name"):
            errs.append("name is empty")
        region = cells.get("region_code", "")
        if not _REGION.match(region):
            errs.append(f"region_code {region!r} is not a 6-digit division code")
        level = cells.get("level", "")
        if level not in LEVELS:
            errs.append(f"level {level!r} is not one of {', '.join(LEVELS)}")
        kind = cells.get("kind", "")
        if kind not in KINDS:
            errs.append(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        portal = cells.get("portal_url", "")
        report = cells.get("report_url", "") or None
        if not portal:
            errs.append("portal_url is empty")
        else:
            err = _check_url(portal, "portal_url")
            if err:
                errs.append(err)
        if report:
            err = _check_url(report, "report_url")
            if err:
                errs.append(err)
        render = cells.get("render", "") or "auto"
        if render not in RENDER_MODES:
            errs.append(f"render {render!r} is not one of {', '.join(RENDER_MODES)}")
        since_raw = cells.get("since", "")
        since = DEFAULT_SINCE
        if since_raw:
            if not since_raw.isdigit() or not 2007 <= int(since_raw) <= 2100:
                errs.append(f"since {since_raw!r} is not a year from 2007 on")
            else:
                since = int(since_raw)
        if errs:
            problems.extend(f"line {line}: {e}" for e in errs)
            continue
        seen[aid] = line
        agencies.append(
            Agency(
                agency_id=aid,
                name=cells["name"],
                region_code=region,
                level=level,
                kind=kind,
                portal_url=portal,
                report_url=report,
                render=render,
                since=since,
            )
        )
    if problems:
        raise RegistryError(path, problems)
    return agencies


def load_registry(path: str | os.PathLike[str]) -> list[Agency]:
    """Read and validate a registry CSV (UTF-8, optional BOM, header row).

    Raises :class:`RegistryError` naming the file, each bad line and what is wrong with it.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RegistryError(p, [f"cannot read: {exc.strerror or exc}"]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegistryError(p, [f"not UTF-8 (byte {exc.start}): save the file as UTF-8"]) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise RegistryError(p, ["line 1: empty file, expected a header row"])
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    problems = []
    if missing:
        problems.append(f"line 1: header lacks column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"line 1: unknown column(s) {', '.join(unknown)}")
    if problems:
        raise RegistryError(p, problems)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise RegistryError(p, [f"line {reader.line_num}: bad CSV: {exc}"]) from exc
    return parse_rows(rows, str(p))


def select(agencies: list[Agency], only: Iterable[str] | None) -> list[Agency]:
    """The agencies named in ``only`` (all when empty); unknown ids are an error."""
    wanted = [o for o in (only or []) if o]
    if not wanted:
        return agencies
    by_id = {a.agency_id: a for a in agencies}
    unknown = [o for o in wanted if o not in by_id]
    if unknown:
        raise KeyError(f"agency id(s) not in the registry: {', '.join(unknown)}")
    return [by_id[o] for o in dict.fromkeys(wanted)]
