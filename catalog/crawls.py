"""Crawl reports and registries into the catalog: ``crawls``, ``crawl_seeds``, ``agencies``,
``regions``.

The crawler leaves ``data/crawls/<id>/report.json`` (Heritrix's seeds report, in JSON); its
per-seed coverage is what lets the status stage tell *missing* (a complete crawl of a reachable
site found nothing) from *unverified* (challenged, blocked, unreachable, cut short).
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from catalog.registry import Agency, RegistryError, load_registry

log = logging.getLogger(__name__)

AREACODES = Path(__file__).resolve().parent.parent / "parsers" / "data" / "areacodes.csv"
LEVELS = {"省级": "province", "地级": "prefecture", "县级": "county"}
COMPLETE_STATES = ("complete", "completed", "ok", "done", "finished")


def load_agencies(db: sqlite_utils.Database, agencies: list[Agency], registry: str) -> int:
    db.table("agencies").upsert_all(
        (
            {
                "agency_id": a.agency_id,
                "name": a.name,
                "region_code": a.region_code,
                "level": a.level,
                "kind": a.kind,
                "portal_url": a.portal_url,
                "report_url": a.report_url,
                "render": a.render,
                "since": a.since,
                "registry": registry,
            }
            for a in agencies
        ),
        pk="agency_id",
    )
    return len(agencies)


def load_registry_file(db: sqlite_utils.Database, path: Path) -> int:
    """Add or update the agencies of a registry CSV (errors name file and line)."""
    return load_agencies(db, load_registry(path), str(path))


def load_regions(db: sqlite_utils.Database, path: Path = AREACODES) -> int:
    """The division codes 1981–2024 (CC0, parsers/data/areacodes.csv), once."""
    if db.table("regions").count:
        return 0
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            code = rec["代码"]
            rows.append(
                {
                    "code": code,
                    "name": rec["名称"],
                    "level": LEVELS.get(rec["级别"], rec["级别"]),
                    "province": rec["一级行政区"],
                    "prefecture": rec["二级行政区"],
                    "status": "in_use" if rec["状态"] == "在用" else "retired",
                    "first_year": int(rec["启用时间"]) if rec["启用时间"] else None,
                    "last_year": int(rec["变更/弃用时间"]) if rec["变更/弃用时间"] else None,
                    "successor": rec["新代码"] or None,
                }
            )
    # a code can be reused after retirement: keep the latest use of each code
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        prev = latest.get(str(row["code"]))
        if prev is None or (row["first_year"] or 0) >= (prev["first_year"] or 0):
            latest[str(row["code"])] = row
    db.table("regions").insert_all(latest.values(), pk="code", replace=True)
    return len(latest)


def _seed_hosts(seed: dict) -> set[str]:
    return {(urlsplit(u).hostname or "").lower() for u in seed.get("seed_urls") or []} - {""}


def _reason(seed: dict) -> str | None:
    """Why a seed's crawl does not prove absence, in words (None when it does)."""
    if _seed_complete(seed):
        return None
    parts = [str(seed.get("status") or "incomplete")]
    if seed.get("stopped_by"):
        parts.append(f"stopped by {seed['stopped_by']}")
    classes = {k: v for k, v in (seed.get("response_classes") or {}).items() if k != "ok"}
    if classes:
        parts.append(", ".join(f"{k}: {v}" for k, v in sorted(classes.items())))
    return "; ".join(parts)


def inherit_shared_coverage(seeds: list[dict]) -> list[dict]:
    """Agencies that share a portal are crawled once: the crawler fetches the shared host for
    the first seed and marks the others ``not_crawled``. Such an agency is covered exactly as
    well as the seeds that crawled all of its hosts in the same crawl."""
    crawled: dict[str, list[dict]] = {}
    for seed in seeds:
        for host in seed.get("hosts") or {}:
            crawled.setdefault(host.lower(), []).append(seed)
    out = []
    for seed in seeds:
        if seed.get("status") == "not_crawled" and not seed.get("pages"):
            hosts = _seed_hosts(seed)
            covering = [c for h in hosts for c in crawled.get(h, [])]
            if hosts and all(h in crawled for h in hosts):
                complete = all(_seed_complete(c) for c in covering)
                names = sorted({c["agency_id"] for c in covering})
                seed = dict(seed, complete=complete,
                            status="complete" if complete else "incomplete",
                            reason=f"shared portal crawled with {', '.join(names)}"
                            + ("" if complete else f" ({_reason(covering[0])})"))
        out.append(seed)
    return out


def _seed_complete(seed: dict) -> bool:
    if "complete" in seed:
        return bool(seed["complete"])
    if str(seed.get("status", "")).lower() in COMPLETE_STATES:
        return True
    return _only_foreign_challenges(seed)


def _only_foreign_challenges(seed: dict) -> bool:
    """A portal links to departments' own sites; a challenge met there says nothing about the
    portal's own reports. A partial crawl whose only trouble was challenges on hosts that are not
    the agency's own is complete for the agency (the other site's agency is judged by its own
    seed)."""
    if str(seed.get("status", "")).lower() != "partial":
        return False
    if seed.get("failures") or seed.get("truncated") or seed.get("stopped_by"):
        return False
    own = _seed_hosts(seed)
    challenged = seed.get("challenged_urls")
    if not own or not isinstance(challenged, list) or not challenged:
        return False
    classes = {k for k, v in (seed.get("response_classes") or {}).items() if v}
    if classes - {"ok", "not_found", "challenged"}:
        return False
    return all((urlsplit(u).hostname or "").lower() not in own for u in challenged)


def load_crawl_reports(db: sqlite_utils.Database, data_dir: Path) -> int:
    """Read every ``crawls/*/report.json``; returns how many crawls were (re)loaded."""
    load_regions(db)
    loaded = 0
    known = {r["report_path"]: r["report_mtime"] for r in db.query(
        "select report_path, report_mtime from crawls")}
    for path in sorted(Path(data_dir).glob("crawls/*/report.json")):
        mtime = path.stat().st_mtime
        if known.get(str(path)) == mtime:
            continue
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.error("%s: unreadable crawl report (%s); its crawl is not counted", path, exc)
            continue
        crawl_id = str(report.get("crawl_id") or path.parent.name)
        registry = report.get("registry")
        if registry and Path(registry).exists():
            try:
                load_registry_file(db, Path(registry))
            except RegistryError as exc:
                log.error("%s", exc)
        finished = report.get("finished") or report.get("ended")
        db.table("crawls").upsert(
            {
                "crawl_id": crawl_id,
                "started": report.get("started"),
                "finished": finished,
                "status": report.get("status"),
                "stop_reason": report.get("stop_reason") or report.get("limit"),
                "registry": registry,
                "report_path": str(path),
                "report_mtime": mtime,
                "warc_files": json.dumps(report.get("warc_files") or []),
            },
            pk="crawl_id",
        )
        seeds = report.get("seeds") or []
        if isinstance(seeds, dict):
            seeds = [dict(v, agency_id=k) for k, v in seeds.items()]
        seeds = inherit_shared_coverage(seeds)
        # a sandbox simulation run saw the portals as of its simulated day (see m003)
        simulated = report.get("simulated_date")
        crawled_at = (f"{simulated[:10]}T23:59:59+00:00" if simulated
                      else finished or report.get("started"))
        db.table("crawl_seeds").upsert_all(
            (
                {
                    "crawl_id": crawl_id,
                    "agency_id": s.get("agency_id"),
                    "crawled_at": crawled_at,
                    "status": s.get("status"),
                    "complete": int(_seed_complete(s)),
                    "reason": s.get("reason") or _reason(s),
                    "pages": s.get("pages"),
                    "report_pages": s.get("report_pages"),
                    "attachments": s.get("attachments"),
                    "response_classes": json.dumps(s.get("response_classes") or {}),
                }
                for s in seeds
                if s.get("agency_id")
            ),
            pk=("crawl_id", "agency_id"),
        )
        loaded += 1
    return loaded
