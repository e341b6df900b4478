"""A run worker: runs one workflow run's crawl and records how it ended.

Started detached by :func:`nianbao.scheduler.start_run` as ``nianbao schedule run-worker ID``,
with its output going to ``data/runs/<workflow>/<run-id>.log``. It runs ``nianbao crawl`` in a
subprocess (or hands the run to Scrapyd nodes), then closes the run: its state from the crawl
report(s) (``complete``, ``partial`` with why, ``failed``) and the report registered in the
catalog (:func:`catalog.crawls.load_crawl_reports`), so every run is visible with its log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import subprocess
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from catalog.crawls import load_crawl_reports
from catalog.db import open_catalog
from catalog.workflows import get_run, update_run

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


# --- the run worker ---------------------------------------------------------------------------


def execute_run(data_dir: Path, run_id: int) -> str:
    """Body of a run worker: run the crawl of run ``run_id`` as its spec file says, then close
    the run. SIGTERM is passed on to the crawl (which stops cleanly and writes its report)."""

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

    # SIGTERM/SIGINT (systemd stopping the unit, Ctrl-C) cancel the Scrapyd jobs: each crawl
    # stops cleanly and keeps its partial report, and the run closes as such
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        result = run_on_nodes(Path(spec["registry"]), spec.get("only"), list(spec["nodes"]),
                              data_dir, crawl_id=spec["crawl_id"], settings=spec.get("settings"),
                              proxy=spec.get("proxy"), time_limit=spec.get("time_limit") or 0,
                              on_event=event, stop=stop)
    except ClusterError as exc:
        run = exc.run
        return 1, str(exc), list(run.report_paths) if run is not None else []
    except Exception as exc:  # noqa: BLE001 - any failure must still close the run
        part_reports = sorted((data_dir / "crawls").glob(f"{spec['crawl_id']}-p*/report.json"))
        return 2, f"cluster run failed: {type(exc).__name__}: {exc}", part_reports
    return 0, f"ran on {len(spec['nodes'])} node(s) as {len(result.parts)} part(s)", \
        list(result.report_paths)
