"""``nianbao run-due`` and ``nianbao schedule daemon``: start every crawl workflow that is due.

``run-due`` is meant for cron or a systemd timer (examples in ``deploy/``) and is idempotent:
run it every few minutes or every hour, and each workflow's slot starts one crawl, once; an
overlapping slot is recorded as skipped; a slot missed while the machine was off is caught up
once. The machinery is in :mod:`nianbao.scheduler` and :mod:`nianbao.runworker`.

The clock is ``--now`` or ``$NIANBAO_NOW`` when given (tests and rehearsals drive time with
them), else the real time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from nianbao.options import data_option, resolve_data_dir
from nianbao.runworker import execute_run
from nianbao.scheduler import reap_children, run_due, wait_for


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
