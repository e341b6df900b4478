"""The run-due machinery: which workflows are due, whether a run is still going, starting runs.

``run_due`` is one scheduler pass (``nianbao run-due``, each ``schedule daemon`` tick): for each
workflow, start a run for its due slot (:mod:`catalog.schedules`), record a ``skipped`` run when
the previous run is still going, or say why nothing happens. It never waits for crawls: each
run gets a detached worker (:mod:`nianbao.runworker`, ``nianbao schedule run-worker``) that runs
the crawl and records its end, so one long crawl never delays another workflow's start.

"Still going" is checked on the processes, not trusted from the table: a run whose worker and
crawl processes are gone (a crash, a reboot, a ``kill -9``) is closed (from its crawl report if
it left one, else as ``failed``) and does not block the next run. A file lock
(``data/run-due.lock``, released by the kernel if its holder dies) keeps two passes from
deciding at the same moment, so a slot starts one crawl, once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from catalog.db import open_catalog
from catalog.registry import RegistryError, load_registry
from catalog.schedules import ScheduleError, due, next_run, parse_schedule
from catalog.workflows import (
    get_run,
    last_slot,
    list_workflows,
    record_run,
    running_runs,
    update_run,
    workflow_baseline,
)
from crawler.scope import DEFAULT_EXCLUDE
from nianbao.runworker import close_run

ONLY_CHUNK = 2000  # agency ids per --only argument (one argument may not exceed 128 KiB)


@contextlib.contextmanager
def decision_lock(data_dir: Path) -> Iterator[None]:
    """Serialise run-due decisions across processes (flock: freed if the holder dies)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "run-due.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- is a run still going? --------------------------------------------------------------------


def _cmdline(pid: int) -> str | None:
    """The command line of a live process ('' where /proc is not available), None if dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return None if Path("/proc/self").exists() else ""
    except OSError:
        return ""
    if Path(f"/proc/{pid}/stat").exists():
        try:  # a zombie (exited, not yet reaped) is not going
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return None
        except (OSError, IndexError):
            pass
    return raw.replace(b"\0", b" ").decode("utf-8", "replace")


def _process_is(pid: int | None, token: str) -> bool:
    """A live process with this pid whose command line names ``token`` (so a recycled pid
    of an unrelated process does not count)."""
    if not pid or pid <= 0:
        return False
    line = _cmdline(pid)
    return line is not None and (line == "" or token in line)


def run_alive(data_dir: Path, run: dict[str, Any]) -> bool:
    """Whether a run's worker, or the crawl it started, is still running."""
    if _process_is(run.get("pid"), f"run-worker {run['run_id']} "):
        return True
    crawl_id = run.get("crawl_id")
    if crawl_id:
        marker = data_dir / "crawls" / crawl_id / "RUNNING"
        with contextlib.suppress(OSError, ValueError, IndexError):
            return _process_is(int(marker.read_text().split()[0]), crawl_id)
    return False


def reconcile(db: Any, data_dir: Path) -> list[int]:
    """Close every ``running`` run whose processes are gone; their ids."""

    closed = []
    for run in running_runs(db):
        if not run_alive(data_dir, run):
            close_run(db, data_dir, run, exit_code=None,
                      note=f"run worker (pid {run.get('pid')}) is gone")
            closed.append(int(run["run_id"]))
    return closed


# --- starting a run ---------------------------------------------------------------------------


def crawl_settings(wf: Any) -> dict[str, Any]:
    """The crawl settings a workflow's scope and extra settings come to."""

    settings: dict[str, Any] = {}
    if wf.scope_include:
        settings["NIANBAO_SCOPE_INCLUDE"] = wf.scope_include
    if wf.scope_exclude:  # added to the default exclusions, not replacing them
        settings["NIANBAO_SCOPE_EXCLUDE"] = [*DEFAULT_EXCLUDE, *wf.scope_exclude]
    if wf.max_depth is not None:
        settings["NIANBAO_MAX_DEPTH"] = wf.max_depth
    if wf.max_hops is not None:
        settings["NIANBAO_MAX_HOPS"] = wf.max_hops
    settings.update(wf.settings)
    return settings


def crawl_argv(wf: Any, *, data_dir: Path, crawl_id: str, only: Sequence[str] | None) -> list[str]:
    """The ``nianbao crawl`` command line of one run of a workflow."""
    argv = [sys.executable, "-m", "nianbao", "crawl", "--registry", wf.registry,
            "--data", str(data_dir), "--crawl-id", crawl_id, "--no-progress",
            "--render", wf.render, "--max-pages", str(wf.max_pages),
            "--time-limit", str(wf.time_limit), "--max-bytes", str(wf.max_bytes)]
    ids = list(only or [])
    for start in range(0, len(ids), ONLY_CHUNK):
        argv += ["--only", ",".join(ids[start:start + ONLY_CHUNK])]
    if wf.proxy:
        argv += ["--proxy", wf.proxy]
    for key, value in crawl_settings(wf).items():
        argv += ["-s", f"{key}={json.dumps(value, ensure_ascii=False)}"]
    return argv


def _new_crawl_id(name: str, now: dt.datetime) -> str:
    return f"{name}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def start_run(db: Any, data_dir: Path, wf: Any, *, slot: dt.datetime, now: dt.datetime,
              nodes: Sequence[str] = ()) -> dict[str, Any]:
    """Record a run of ``wf`` for ``slot`` and start its worker (detached); the outcome."""

    outcome: dict[str, Any] = {"workflow": wf.name, "slot": slot.isoformat()}
    try:
        registry = load_registry(wf.registry)
    except (RegistryError, OSError) as exc:
        reason = f"registry {wf.registry}: {exc}"
        run_id = record_run(db, workflow=wf.name, scheduled_for=slot, started=now,
                            state="failed", reason=reason)
        update_run(db, run_id, ended=now)
        return {**outcome, "action": "failed", "run_id": run_id, "detail": reason}
    agencies = wf.select(registry)
    if not agencies:
        reason = f"the selection matches no agency of {wf.registry}"
        run_id = record_run(db, workflow=wf.name, scheduled_for=slot, started=now,
                            state="failed", reason=reason)
        update_run(db, run_id, ended=now)
        return {**outcome, "action": "failed", "run_id": run_id, "detail": reason}
    only = None if len(agencies) == len(registry) else [a.agency_id for a in agencies]
    crawl_id = _new_crawl_id(wf.name, now)
    run_dir = data_dir / "runs" / wf.name
    run_dir.mkdir(parents=True, exist_ok=True)
    run_id = record_run(db, workflow=wf.name, scheduled_for=slot, started=now, state="running",
                        crawl_id=crawl_id, nodes=nodes)
    log_path = run_dir / f"{run_id}.log"
    spec = {"run_id": run_id, "workflow": wf.name, "crawl_id": crawl_id,
            "data_dir": str(data_dir), "registry": wf.registry,
            "agencies": [a.agency_id for a in agencies], "nodes": list(nodes),
            "argv": crawl_argv(wf, data_dir=data_dir, crawl_id=crawl_id, only=only),
            "only": only, "proxy": wf.proxy, "time_limit": wf.time_limit,
            "settings": {**crawl_settings(wf), "NIANBAO_MAX_PAGES": wf.max_pages,
                         "NIANBAO_MAX_BYTES": wf.max_bytes, "NIANBAO_RENDER": wf.render},
            "workflow_config": wf.to_mapping()}
    spec_path = run_dir / f"{run_id}.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False, indent=2), encoding="utf-8")
    update_run(db, run_id, log_path=str(log_path))
    with open(log_path, "ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "nianbao", "schedule", "run-worker", str(run_id),
             "--data", str(data_dir)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # survives run-due's exit and its terminal's signals
    update_run(db, run_id, pid=worker.pid)
    _children.append(worker)
    run = get_run(db, run_id)
    return {**outcome, "action": "started", "run_id": run_id, "crawl_id": crawl_id,
            "agencies": len(agencies), "log": str(log_path), "pid": run["pid"],
            "detail": f"{len(agencies)} agencies" + (f" on {len(nodes)} nodes" if nodes else "")}


_children: list[subprocess.Popen[bytes]] = []  # workers started by this process


def reap_children() -> None:
    """Collect workers that ended (a long-lived daemon must not pile up zombies)."""
    _children[:] = [p for p in _children if p.poll() is None]


def run_due(data_dir: Path, now: dt.datetime, *, nodes: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One scheduler pass: for each workflow, start it, record a skip, or say why not.

    Returns one outcome per workflow (``action``: started, skipped, failed, not-due, paused,
    manual, error)."""

    outcomes: list[dict[str, Any]] = []
    with decision_lock(data_dir):
        db = open_catalog(data_dir)
        reconcile(db, data_dir)
        for wf in list_workflows(db):
            base: dict[str, Any] = {"workflow": wf.name}
            if wf.paused:
                outcomes.append({**base, "action": "paused", "detail": "paused"})
                continue
            try:
                schedule = parse_schedule(wf.schedule, wf.timezone)
            except ScheduleError as exc:
                outcomes.append({**base, "action": "error", "detail": str(exc)})
                continue
            if schedule.manual:
                outcomes.append({**base, "action": "manual", "detail": "no schedule"})
                continue
            marks = [m for m in (workflow_baseline(db, wf.name), last_slot(db, wf.name)) if m]
            slot = due(schedule, max(marks) if marks else None, now)
            if slot is None:
                upcoming = next_run(schedule, now)
                outcomes.append({**base, "action": "not-due",
                                 "next": upcoming.isoformat() if upcoming else None,
                                 "detail": f"next {upcoming.isoformat() if upcoming else 'never'}"})
                continue
            going = running_runs(db, wf.name)
            if going:
                prev = going[-1]
                reason = (f"previous run {prev['run_id']} (crawl {prev['crawl_id']}, pid "
                          f"{prev['pid']}) is still going")
                run_id = record_run(db, workflow=wf.name, scheduled_for=slot, started=now,
                                    state="skipped", reason=reason)
                outcomes.append({**base, "action": "skipped", "slot": slot.isoformat(),
                                 "run_id": run_id, "detail": reason})
                continue
            outcomes.append(start_run(db, data_dir, wf, slot=slot, now=now, nodes=nodes))
    return outcomes


def wait_for(data_dir: Path, run_ids: Sequence[int], *, poll: float = 1.0,
             timeout: float | None = None) -> list[dict[str, Any]]:
    """Block until these runs are closed (or their processes gone); their final rows."""

    deadline = None if timeout is None else time.monotonic() + timeout
    db = open_catalog(data_dir)
    while True:
        reap_children()
        rows = [get_run(db, r) for r in run_ids]
        pending = [r for r in rows if r["state"] == "running"]
        if not pending:
            return rows
        if not any(run_alive(data_dir, r) for r in pending):
            with decision_lock(data_dir):
                reconcile(db, data_dir)
            continue
        if deadline is not None and time.monotonic() > deadline:
            return rows
        time.sleep(poll)
