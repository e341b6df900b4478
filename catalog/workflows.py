"""Crawl workflows and their runs, stored in the catalog (tables ``workflows``, ``workflow_runs``).

A workflow is what an archivist schedules: a registry selection (agency ids, division-code
prefixes, levels, kinds), a scope (include/exclude regexes, depth and hops), limits (pages,
seconds, bytes), a render policy and a schedule (:mod:`catalog.schedules`). It is written in
YAML in the shape Browsertrix and Heritrix users know (``seeds``, ``scope``, ``limits``)::

    name: jiangsu-counties
    seeds:
      registry: registries/sandbox.csv   # relative paths are relative to the YAML file
      regions: ["32"]
      levels: [county]
    scope: {exclude: ["/english/"], max_depth: 8}
    limits: {max_pages: 20000, time_limit: 6h}
    schedule: after-deadlines

Every run, including a skipped one, is a row of ``workflow_runs`` so that a watchdog sees
what ran, what was skipped and why, and where each run's log and crawl report are. Errors
name the file, the workflow and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from catalog.registry import KINDS, LEVELS, RENDER_MODES, Agency, RegistryError, load_registry
from catalog.schedules import DEFAULT_TIMEZONE, ScheduleError, parse_schedule

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
RUN_STATES = ("running", "complete", "partial", "failed", "skipped")
TOP_KEYS = {"name", "description", "seeds", "scope", "limits", "render", "schedule", "timezone",
            "paused", "settings", "proxy"}
SEED_KEYS = {"registry", "agencies", "regions", "levels", "kinds"}
SCOPE_KEYS = {"include", "exclude", "max_depth", "max_hops"}
LIMIT_KEYS = {"max_pages", "time_limit", "max_bytes"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class WorkflowError(ValueError):
    """A workflow that cannot be used; the message names its file, the workflow and the field."""


@dataclass
class Workflow:
    """One crawl workflow (see the module docstring for the YAML shape)."""

    name: str
    registry: str
    description: str = ""
    agencies: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    scope_include: list[str] = field(default_factory=list)
    scope_exclude: list[str] = field(default_factory=list)
    max_depth: int | None = None
    max_hops: int | None = None
    max_pages: int = 0
    time_limit: float = 0
    max_bytes: int = 0
    render: str = "auto"
    schedule: str = "manual"
    timezone: str = DEFAULT_TIMEZONE
    paused: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    proxy: str | None = None

    def select(self, agencies: list[Agency]) -> list[Agency]:
        """The registry agencies this workflow crawls: those matching every given filter."""
        ids = set(self.agencies)
        return [a for a in agencies
                if (not ids or a.agency_id in ids)
                and (not self.regions or any(a.region_code.startswith(p) for p in self.regions))
                and (not self.levels or a.level in self.levels)
                and (not self.kinds or a.kind in self.kinds)]

    def selected_agencies(self) -> list[Agency]:
        """:meth:`select` on the workflow's registry (RegistryError names a bad registry)."""
        return self.select(load_registry(self.registry))

    def to_mapping(self) -> dict[str, Any]:
        """The workflow in its YAML shape (what ``workflow apply`` reads)."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out["seeds"] = {"registry": self.registry,
                        **{k: getattr(self, k) for k in ("agencies", "regions", "levels", "kinds")
                           if getattr(self, k)}}
        scope = {"include": self.scope_include, "exclude": self.scope_exclude,
                 "max_depth": self.max_depth, "max_hops": self.max_hops}
        out["scope"] = {k: v for k, v in scope.items() if v not in (None, [])}
        out["limits"] = {"max_pages": self.max_pages, "time_limit": self.time_limit,
                         "max_bytes": self.max_bytes}
        out.update(render=self.render, schedule=self.schedule, timezone=self.timezone,
                   paused=self.paused)
        if self.settings:
            out["settings"] = self.settings
        if self.proxy:
            out["proxy"] = self.proxy
        return out


# --- reading and checking ---------------------------------------------------------------------


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise WorkflowError(f"{where}: expected a list of strings, got {value!r}")
    return [str(v) for v in value]


def _count(value: Any, where: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WorkflowError(f"{where}: expected a whole number ≥ 0, got {value!r}")
    return value


def parse_duration(value: Any, where: str) -> float:
    """Seconds from a number or a text like ``90``, ``30m``, ``6h``, ``1d``."""
    if value is None:
        return 0.0
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match:
        raise WorkflowError(f"{where}: expected seconds or a duration like 30m, 6h, 1d; "
                            f"got {value!r}")
    return float(match.group(1)) * _UNIT[match.group(2)]


def _section(raw: dict[str, Any], key: str, allowed: set[str], where: str) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WorkflowError(f"{where}: field '{key}': expected a mapping, got {value!r}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise WorkflowError(f"{where}: field '{key}': unknown key(s) {unknown}; "
                            f"allowed: {sorted(allowed)}")
    return value


def workflow_from_mapping(raw: Any, *, source: str = "<command line>",
                          base_dir: Path | None = None, check_registry: bool = True) -> Workflow:
    """Check a workflow in its YAML shape and build it. ``source`` names where it came from in
    errors; relative registry paths are taken relative to ``base_dir``."""
    if not isinstance(raw, dict):
        raise WorkflowError(f"{source}: a workflow must be a mapping, got {type(raw).__name__}")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise WorkflowError(f"{source}: field 'name': {name!r} is not a workflow name "
                            f"(letters, digits, '.', '_', '-'; at most 64)")
    where = f"{source}: workflow {name!r}"
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise WorkflowError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(TOP_KEYS)}")
    seeds = _section(raw, "seeds", SEED_KEYS, where)
    scope = _section(raw, "scope", SCOPE_KEYS, where)
    limits = _section(raw, "limits", LIMIT_KEYS, where)

    registry = seeds.get("registry")
    if not isinstance(registry, str) or not registry.strip():
        raise WorkflowError(f"{where}: field 'seeds.registry': a registry CSV path is required")
    reg_path = Path(registry).expanduser()
    if not reg_path.is_absolute() and base_dir is not None:
        reg_path = base_dir / reg_path
    reg_path = reg_path.resolve()

    wf = Workflow(
        name=name,
        registry=str(reg_path),
        description=str(raw.get("description") or ""),
        agencies=_str_list(seeds.get("agencies"), f"{where}: field 'seeds.agencies'"),
        regions=_str_list(seeds.get("regions"), f"{where}: field 'seeds.regions'"),
        levels=_str_list(seeds.get("levels"), f"{where}: field 'seeds.levels'"),
        kinds=_str_list(seeds.get("kinds"), f"{where}: field 'seeds.kinds'"),
        scope_include=_str_list(scope.get("include"), f"{where}: field 'scope.include'"),
        scope_exclude=_str_list(scope.get("exclude"), f"{where}: field 'scope.exclude'"),
        max_depth=_count(scope.get("max_depth"), f"{where}: field 'scope.max_depth'", optional=True),
        max_hops=_count(scope.get("max_hops"), f"{where}: field 'scope.max_hops'", optional=True),
        max_pages=_count(limits.get("max_pages"), f"{where}: field 'limits.max_pages'") or 0,
        time_limit=parse_duration(limits.get("time_limit"), f"{where}: field 'limits.time_limit'"),
        max_bytes=_count(limits.get("max_bytes"), f"{where}: field 'limits.max_bytes'") or 0,
        render=str(raw.get("render") or "auto"),
        schedule=str(raw.get("schedule") or "manual").strip(),
        timezone=str(raw.get("timezone") or DEFAULT_TIMEZONE),
        paused=bool(raw.get("paused") or False),
        settings=raw.get("settings") or {},
        proxy=str(raw["proxy"]) if raw.get("proxy") else None,
    )
    _check(wf, where, check_registry=check_registry)
    return wf


def _check(wf: Workflow, where: str, *, check_registry: bool) -> None:
    for value in wf.regions:
        if not value.isdigit() or len(value) > 6:
            raise WorkflowError(f"{where}: field 'seeds.regions': {value!r} is not a division-code "
                                f"prefix (1 to 6 digits)")
    for key, allowed in (("levels", LEVELS), ("kinds", KINDS)):
        bad = [v for v in getattr(wf, key) if v not in allowed]
        if bad:
            raise WorkflowError(f"{where}: field 'seeds.{key}': {bad} not among {list(allowed)}")
    for key in ("scope_include", "scope_exclude"):
        for pattern in getattr(wf, key):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise WorkflowError(f"{where}: field 'scope.{key[6:]}': bad regex {pattern!r}: "
                                    f"{exc}") from exc
    if wf.render not in RENDER_MODES:
        raise WorkflowError(f"{where}: field 'render': {wf.render!r} not among {list(RENDER_MODES)}")
    if not isinstance(wf.settings, dict) or not all(isinstance(k, str) for k in wf.settings):
        raise WorkflowError(f"{where}: field 'settings': expected a mapping of setting names")
    try:
        parse_schedule(wf.schedule, wf.timezone)
    except ScheduleError as exc:
        field_name = "timezone" if "time zone" in str(exc) else "schedule"
        raise WorkflowError(f"{where}: field '{field_name}': {exc}") from exc
    if not check_registry:
        return
    try:
        agencies = load_registry(wf.registry)
    except RegistryError as exc:
        raise WorkflowError(f"{where}: field 'seeds.registry': {exc}") from exc
    except OSError as exc:
        raise WorkflowError(f"{where}: field 'seeds.registry': cannot read {wf.registry}: "
                            f"{exc.strerror or exc}") from exc
    known = {a.agency_id for a in agencies}
    missing = [a for a in wf.agencies if a not in known]
    if missing:
        raise WorkflowError(f"{where}: field 'seeds.agencies': not in {wf.registry}: "
                            f"{', '.join(missing[:20])}")
    if not wf.select(agencies):
        raise WorkflowError(f"{where}: field 'seeds': the selection matches no agency of "
                            f"{wf.registry}")


def load_workflow_file(path: Path) -> list[Workflow]:
    """The workflows of a YAML file: one workflow, a list, or a mapping with ``workflows:``."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkflowError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise WorkflowError(f"{path}: not valid YAML: {exc}") from exc
    if isinstance(document, dict) and "workflows" in document and "name" not in document:
        document = document["workflows"]
    items = document if isinstance(document, list) else [document]
    if not items:
        raise WorkflowError(f"{path}: no workflow in the file")
    out = [workflow_from_mapping(item, source=str(path) if len(items) == 1 else f"{path}: item {i}",
                                 base_dir=Path(path).resolve().parent)
           for i, item in enumerate(items, start=1)]
    names = [w.name for w in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise WorkflowError(f"{path}: workflow name(s) defined twice: {dupes}")
    return out


# --- storage ----------------------------------------------------------------------------------

_JSON_FIELDS = ("agencies", "regions", "levels", "kinds", "scope_include", "scope_exclude",
                "settings")


def iso(moment: dt.datetime) -> str:
    """Stored times: ISO 8601 in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _row(wf: Workflow) -> dict[str, Any]:
    row = asdict(wf)
    for key in _JSON_FIELDS:
        row[key] = json.dumps(row[key], ensure_ascii=False)
    row["paused"] = int(wf.paused)
    return row


def _workflow(row: dict[str, Any]) -> Workflow:
    data = {k: row[k] for k in Workflow.__dataclass_fields__}
    for key in _JSON_FIELDS:
        data[key] = json.loads(data[key] or ("{}" if key == "settings" else "[]"))
    data["paused"] = bool(data["paused"])
    return Workflow(**data)


def save_workflow(db: sqlite_utils.Database, wf: Workflow, now: dt.datetime) -> bool:
    """Create or replace a workflow; True when it is new. Its run history is kept. A new
    workflow's schedule, or a changed one, counts from ``now`` (no catch-up of slots from
    before it existed)."""
    existing = db.execute("select created, baseline, paused, schedule, timezone from workflows "
                          "where name = ?", [wf.name]).fetchone()
    row = _row(wf)
    row["updated"] = iso(now)
    if existing:
        row["created"], row["baseline"] = existing[0], existing[1]
        if existing[2] and not wf.paused:  # resumed by an edit: as set_paused
            row["baseline"] = iso(now)
        if (existing[3], existing[4]) != (wf.schedule, wf.timezone):
            # a new schedule counts from now: its past slots were never promised
            row["baseline"] = iso(now)
    else:
        row["created"] = row["baseline"] = iso(now)
    db.table("workflows").upsert(row, pk="name")
    return existing is None


def get_workflow(db: sqlite_utils.Database, name: str) -> Workflow:
    rows = list(db.query("select * from workflows where name = ?", [name]))
    if not rows:
        known = [r["name"] for r in db.query("select name from workflows order by name")]
        raise WorkflowError(f"no workflow named {name!r} (known: {', '.join(known) or 'none'})")
    return _workflow(rows[0])


def workflow_baseline(db: sqlite_utils.Database, name: str) -> dt.datetime | None:
    row = db.execute("select baseline from workflows where name = ?", [name]).fetchone()
    return parse_time(row[0]) if row else None


def list_workflows(db: sqlite_utils.Database) -> list[Workflow]:
    return [_workflow(r) for r in db.query("select * from workflows order by name")]


def delete_workflow(db: sqlite_utils.Database, name: str) -> None:
    """Remove a workflow; its runs stay in ``workflow_runs`` (they are the crawl history)."""
    get_workflow(db, name)
    db.execute("delete from workflows where name = ?", [name])
    db.conn.commit()


def set_paused(db: sqlite_utils.Database, name: str, paused: bool, now: dt.datetime) -> None:
    """Pause or resume. Slots that fall while a workflow is paused are not caught up on
    resume (pausing is a decision, not a missed run): its schedule counts from the resume."""
    get_workflow(db, name)
    changes: dict[str, Any] = {"paused": int(paused), "updated": iso(now)}
    if not paused:
        changes["baseline"] = iso(now)
    db.table("workflows").update(name, changes)


# --- runs -------------------------------------------------------------------------------------


def record_run(db: sqlite_utils.Database, *, workflow: str, scheduled_for: dt.datetime | None,
               started: dt.datetime, state: str, reason: str | None = None,
               crawl_id: str | None = None, log_path: str | None = None,
               nodes: Iterable[str] = ()) -> int:
    """Insert a run; its id."""
    if state not in RUN_STATES:
        raise ValueError(f"run state {state!r} not among {RUN_STATES}")
    table = db.table("workflow_runs")
    table.insert({
        "workflow": workflow,
        "scheduled_for": iso(scheduled_for) if scheduled_for else None,
        "started": iso(started),
        "ended": iso(started) if state == "skipped" else None,
        "state": state,
        "crawl_id": crawl_id,
        "log_path": log_path,
        "nodes": json.dumps(list(nodes)) if nodes else None,
        "reason": reason,
    })
    return int(str(table.last_pk))


def update_run(db: sqlite_utils.Database, run_id: int, **changes: Any) -> None:
    if "state" in changes and changes["state"] not in RUN_STATES:
        raise ValueError(f"run state {changes['state']!r} not among {RUN_STATES}")
    for key in ("ended",):
        if isinstance(changes.get(key), dt.datetime):
            changes[key] = iso(changes[key])
    db.table("workflow_runs").update(run_id, changes)


def get_run(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    rows = list(db.query("select * from workflow_runs where run_id = ?", [run_id]))
    if not rows:
        raise WorkflowError(f"no workflow run {run_id}")
    return rows[0]


def last_run(db: sqlite_utils.Database, name: str, *,
             exclude_skipped: bool = False) -> dict[str, Any] | None:
    """The latest run of a workflow (by start, then id)."""
    extra = " and state != 'skipped'" if exclude_skipped else ""
    rows = list(db.query(f"select * from workflow_runs where workflow = ?{extra} "
                         "order by run_id desc limit 1", [name]))
    return rows[0] if rows else None


def last_slot(db: sqlite_utils.Database, name: str) -> dt.datetime | None:
    """The latest schedule slot any run of the workflow (skipped ones too) was for."""
    row = db.execute("select max(scheduled_for) from workflow_runs where workflow = ?",
                     [name]).fetchone()
    return parse_time(row[0]) if row else None


def running_runs(db: sqlite_utils.Database, name: str | None = None) -> list[dict[str, Any]]:
    where, args = ("and workflow = ?", [name]) if name else ("", [])
    return list(db.query(f"select * from workflow_runs where state = 'running' {where} "
                         "order by run_id", args))


def list_runs(db: sqlite_utils.Database, name: str | None = None,
              limit: int = 50) -> list[dict[str, Any]]:
    where, args = ("where workflow = ?", [name]) if name else ("", [])
    return list(db.query(f"select * from workflow_runs {where} order by run_id desc limit ?",
                         [*args, limit]))
