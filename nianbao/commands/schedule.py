"""``nianbao run-due`` and ``nianbao schedule daemon``: start every crawl workflow that is due.

``run-due`` is meant for cron or a systemd timer and is idempotent: run it every few minutes or
every hour, and each workflow's slot (:mod:`catalog.schedules`) starts one crawl, once. It never
waits for crawls: each due workflow gets a detached *run worker* (``nianbao schedule
run-worker``) that runs ``nianbao crawl`` in a subprocess, saves its output to
``data/runs/<workflow>/<run-id>.log``, then records the run's end and registers its crawl
report in the catalog. So one long crawl never delays another workflow's start.

Never two crawls of one workflow at once: if the previous run is still going when the next slot
comes, the slot is recorded as a ``skipped`` run. "Still going" is checked on the process, not
trusted from the table: a run whose worker and crawl processes are gone (a crash, a reboot, a
``kill -9``) is closed (from its crawl report if it left one, else as ``failed``) and does not
block the next run. A file lock (``data/run-due.lock``, released by the kernel if the holder
dies) keeps two ``run-due`` invocations from deciding at the same moment.

The clock is ``--now`` or ``$NIANBAO_NOW`` when given (tests and dry rehearsals drive time with
them), else the real time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from nianbao.options import data_option, resolve_data_dir

ONLY_CHUNK = 2000  # agency ids per --only argument (one argument may not exceed 128 KiB)
FINAL = ("complete", "partial", "failed", "skipped")


def clock(now: str | None = None) -> dt.datetime:
    """The scheduler's time: ``now`` (ISO 8601), else ``$NIANBAO_NOW``, else the real clock.
    A time without offset is UTC."""
    text = now or os.environ.get("NIANBAO_NOW")
    if not text:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 time (e.g. 2027-02-01T03:00+08:00)",
                                 param_hint="--now / NIANBAO_NOW") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


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


# --- ending a run -----------------------------------------------------------------------------


def state_from_report(report: dict[str, Any]) -> tuple[str, str | None]:
    """A run's state and reason from its crawl report: ``complete`` when the crawl ran to its
    end and every seed was crawled completely, else ``partial`` (with why)."""
    reasons = []
    if report.get("stopped_by"):
        reasons.append(f"stopped by {report['stopped_by']}")
    statuses = dict((report.get("totals") or {}).get("statuses") or {})
    other = {k: v for k, v in statuses.items() if k not in ("complete", "not_crawled")}
    if other:
        reasons.append("seeds " + ", ".join(f"{k}: {v}" for k, v in sorted(other.items())))
    return ("partial", "; ".join(reasons)) if reasons else ("complete", None)


def close_run(db: Any, data_dir: Path, run: dict[str, Any], *, exit_code: int | None,
              ended: dt.datetime | None = None, note: str | None = None,
              reports: Sequence[Path] | None = None, report_path: Path | None = None) -> str:
    """Record how a run ended and register its crawl report(s) in the catalog; its final state.

    ``reports`` are the crawl reports the run made (default: ``crawls/<crawl-id>/report.json``;
    a cluster run has one per part, and ``report_path`` then names its ``cluster.json``)."""
    from catalog.crawls import load_crawl_reports
    from catalog.workflows import update_run

    own = data_dir / "crawls" / str(run.get("crawl_id")) / "report.json"
    if reports is None:
        reports = [own] if run.get("crawl_id") and own.exists() else []
    states, reasons = [], []
    for path in reports:
        try:
            state, why = state_from_report(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            state, why = "failed", f"{path}: unreadable crawl report ({exc})"
        states.append(state)
        if why:
            reasons.append(why if len(reports) == 1 else f"{path.parent.name}: {why}")
    if not states:
        state = "failed"
        reasons.append(f"crawl exited with status {exit_code} without a report"
                       if exit_code is not None else "no crawl report")
        if run.get("log_path"):
            reasons.append(f"see {run['log_path']}")
    elif "failed" in states or "partial" in states:
        state = "partial"  # something was archived; what is missing is said in the reason
    else:
        state = "complete"
    if states and exit_code not in (0, None):
        state = "partial"
        reasons.insert(0, f"crawl exited with status {exit_code}")
    if note:
        reasons.insert(0, note)
    if states:
        load_crawl_reports(db, data_dir)
    shown = report_path or (reports[0] if len(reports) == 1 else None)
    update_run(db, int(run["run_id"]), state=state, reason="; ".join(reasons) or None,
               ended=ended or dt.datetime.now(dt.UTC),
               report_path=str(shown) if shown else None)
    return state


def reconcile(db: Any, data_dir: Path) -> list[int]:
    """Close every ``running`` run whose processes are gone; their ids."""
    from catalog.workflows import running_runs

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
    from crawler.scope import DEFAULT_EXCLUDE

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
    from catalog.registry import RegistryError, load_registry
    from catalog.workflows import get_run, record_run, update_run

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
    from catalog.db import open_catalog
    from catalog.schedules import ScheduleError, due, next_run, parse_schedule
    from catalog.workflows import (
        last_slot,
        list_workflows,
        record_run,
        running_runs,
        workflow_baseline,
    )

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
    from catalog.db import open_catalog
    from catalog.workflows import get_run

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


# --- the run worker ---------------------------------------------------------------------------


def execute_run(data_dir: Path, run_id: int) -> str:
    """Body of a run worker: run the crawl of run ``run_id`` as its spec file says, then close
    the run. SIGTERM is passed on to the crawl (which stops cleanly and writes its report)."""
    from catalog.db import open_catalog
    from catalog.workflows import get_run

    db = open_catalog(data_dir)
    run = get_run(db, run_id)
    spec_path = data_dir / "runs" / str(run["workflow"]) / f"{run_id}.json"
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    started = dt.datetime.now(dt.UTC)
    print(f"[{started.isoformat(timespec='seconds')}] run {run_id} of workflow "
          f"{run['workflow']}: crawl {spec['crawl_id']} "
          f"(crawl log: {data_dir / 'crawls' / spec['crawl_id'] / 'crawl.log'})", flush=True)
    reports: list[Path] | None = None
    report_path: Path | None = None
    note: str | None = None
    try:
        if spec.get("nodes"):
            code, note, reports = _run_on_nodes(spec, data_dir)
            report_path = data_dir / "crawls" / spec["crawl_id"] / "cluster.json"
        else:
            code = _run_local(spec["argv"])
    except Exception as exc:  # noqa: BLE001 - whatever happened, the run must be closed
        traceback.print_exc()
        code, note = 2, f"run worker error: {type(exc).__name__}: {exc}"
    ended = dt.datetime.now(dt.UTC)
    db = open_catalog(data_dir)
    state = close_run(db, data_dir, get_run(db, run_id), exit_code=code, ended=ended, note=note,
                      reports=reports, report_path=report_path)
    print(f"[{ended.isoformat(timespec='seconds')}] run {run_id}: exit status {code}, "
          f"state {state}", flush=True)
    return state


def _run_local(argv: list[str]) -> int:
    """Run ``nianbao crawl`` in a subprocess, passing SIGTERM/SIGINT on; its exit status."""
    print("$ " + " ".join(argv), flush=True)
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL)

    def forward(signum: int, _frame: Any) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return child.wait()


def _run_on_nodes(spec: dict[str, Any], data_dir: Path) -> tuple[int, str | None, list[Path]]:
    """Hand the run to Scrapyd nodes (:func:`crawler.cluster.run_on_nodes`): agencies
    partitioned by host, one part per host group. (exit status, note, part reports)."""
    try:
        from crawler.cluster import ClusterError, run_on_nodes
    except ImportError as exc:
        return 2, f"cluster support not installed ({exc})", []

    def event(kind: str, info: dict[str, Any]) -> None:
        print(f"[{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}] cluster {kind}: "
              f"{json.dumps(info, ensure_ascii=False, default=str)}", flush=True)

    try:
        result = run_on_nodes(Path(spec["registry"]), spec.get("only"), list(spec["nodes"]),
                              data_dir, crawl_id=spec["crawl_id"], settings=spec.get("settings"),
                              proxy=spec.get("proxy"), time_limit=spec.get("time_limit") or 0,
                              on_event=event)
    except ClusterError as exc:
        run = exc.run
        return 1, str(exc), list(run.report_paths) if run is not None else []
    except Exception as exc:  # noqa: BLE001 - any failure must still close the run
        part_reports = sorted((data_dir / "crawls").glob(f"{spec['crawl_id']}-p*/report.json"))
        return 2, f"cluster run failed: {type(exc).__name__}: {exc}", part_reports
    return 0, f"ran on {len(spec['nodes'])} node(s) as {len(result.parts)} part(s)", \
        list(result.report_paths)


# --- commands ---------------------------------------------------------------------------------


def _check_nodes(nodes: Sequence[str]) -> None:
    if not nodes:
        return
    try:
        from crawler.cluster import run_on_nodes  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(f"--nodes: cluster support not installed ({exc})") from exc
    bad = [n for n in nodes if not n.startswith(("http://", "https://"))]
    if bad:
        raise click.ClickException(f"--nodes: not a Scrapyd URL (http://host:6800): {', '.join(bad)}")


def _print_outcomes(outcomes: list[dict[str, Any]], as_json: bool, now: dt.datetime) -> None:
    if as_json:
        click.echo(json.dumps({"now": now.isoformat(), "workflows": outcomes},
                              ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    if not outcomes:
        click.echo("no workflows (add one with `nianbao workflow add` or `workflow apply FILE`)")
        return
    table = Table(title=f"run-due at {now.isoformat(timespec='seconds')}")
    for col in ("workflow", "action", "slot", "run", "crawl id", "detail"):
        table.add_column(col)
    for o in outcomes:
        table.add_row(o["workflow"], o.get("state") or o["action"], o.get("slot") or "",
                      str(o.get("run_id") or ""), o.get("crawl_id") or "", o.get("detail") or "")
    Console(width=160).print(table)


@click.command("run-due")
@data_option
@click.option("--now", default=None, metavar="ISO",
              help="Pretend it is this time (default: $NIANBAO_NOW, else the real clock).")
@click.option("--nodes", multiple=True, metavar="URL",
              help="Run the crawls on these Scrapyd nodes (repeat) instead of this machine.")
@click.option("--wait", is_flag=True, help="Wait for the started crawls and show how they ended.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON.")
def run_due_command(data_dir: Path | None, now: str | None, nodes: tuple[str, ...], wait: bool,
                    as_json: bool) -> None:
    """Start every crawl workflow that is due; for cron or a systemd timer.

    Idempotent: a slot starts one run, once. A run whose previous run is still going is
    recorded as skipped; a missed slot (the machine was off) is caught up once.
    """
    data = resolve_data_dir(data_dir).resolve()  # paths in the catalog outlive this cwd
    moment = clock(now)
    _check_nodes(nodes)
    outcomes = run_due(data, moment, nodes=nodes)
    if wait:
        started = [o["run_id"] for o in outcomes if o["action"] == "started"]
        final = {r["run_id"]: r for r in wait_for(data, started)}
        for o in outcomes:
            if o.get("run_id") in final and o["action"] == "started":
                row = final[o["run_id"]]
                o["state"] = row["state"]
                o["detail"] = row["reason"] or o.get("detail")
                o["report"] = row["report_path"]
    _print_outcomes(outcomes, as_json, moment)


@click.group("schedule")
def schedule() -> None:
    """Run crawl workflows on their schedules without cron (see also `nianbao run-due`)."""


@schedule.command("daemon")
@data_option
@click.option("--interval", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              metavar="SECONDS", help="How often to look for due workflows.")
@click.option("--now", default=None, metavar="ISO",
              help="Pretend it is this time on every pass (default: $NIANBAO_NOW, else real).")
@click.option("--nodes", multiple=True, metavar="URL", help="Scrapyd nodes (as run-due).")
@click.option("--iterations", type=click.IntRange(min=0), default=0,
              help="Stop after N passes (0: run until SIGTERM / Ctrl-C).")
def daemon(data_dir: Path | None, interval: float, now: str | None, nodes: tuple[str, ...],
           iterations: int) -> None:
    """Run the run-due pass every --interval seconds in the foreground.

    Crawls started here keep running if the daemon stops; the next pass (or run-due) sees them.
    """
    data = resolve_data_dir(data_dir).resolve()
    _check_nodes(nodes)
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    passes = 0
    while not stopping:
        moment = clock(now)
        for o in run_due(data, moment, nodes=nodes):
            if o["action"] in ("started", "skipped", "failed", "error"):
                click.echo(f"{moment.isoformat(timespec='seconds')} {o['workflow']}: "
                           f"{o['action']} {o.get('detail') or ''}".rstrip(), err=False)
        passes += 1
        if iterations and passes >= iterations:
            break
        slept = 0.0
        while not stopping and slept < interval:
            reap_children()
            time.sleep(min(1.0, interval - slept))
            slept += 1.0
    reap_children()


@schedule.command("run-worker", hidden=True)
@click.argument("run_id", type=int)
@data_option
def run_worker(run_id: int, data_dir: Path | None) -> None:
    """Run one workflow run's crawl and record its end (started by run-due)."""
    state = execute_run(resolve_data_dir(data_dir).resolve(), run_id)
    sys.exit(0 if state in ("complete", "partial") else 1)
