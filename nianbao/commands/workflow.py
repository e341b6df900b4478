"""``nianbao workflow``: define, list, pause and remove crawl workflows (stored in the catalog).

A workflow is a registry selection, a scope, limits, a render policy and a schedule
(:mod:`catalog.workflows`); ``nianbao run-due`` starts the ones that are due. Workflows can be
written as YAML and applied (``workflow apply FILE``), or made with options (``workflow add``);
both go through the same checks, so an error always names the file or option and the field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nianbao.commands.crawl import _parse_set
from nianbao.commands.schedule import clock
from nianbao.options import data_option, resolve_data_dir
from nianbao.scheduler import run_alive

_LIST_OPTIONS = {  # option -> (section, key) in the YAML shape
    "agency": ("seeds", "agencies"), "region": ("seeds", "regions"),
    "level": ("seeds", "levels"), "kind": ("seeds", "kinds"),
    "include": ("scope", "include"), "exclude": ("scope", "exclude"),
}
_VALUE_OPTIONS = {
    "registry": ("seeds", "registry"), "max_depth": ("scope", "max_depth"),
    "max_hops": ("scope", "max_hops"), "max_pages": ("limits", "max_pages"),
    "time_limit": ("limits", "time_limit"), "max_bytes": ("limits", "max_bytes"),
    "render": (None, "render"), "schedule": (None, "schedule"), "timezone": (None, "timezone"),
    "description": (None, "description"), "proxy": (None, "proxy"),
}


def _definition_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options shared by ``add`` and ``edit`` (one per workflow field)."""
    options = [
        click.option("--registry", default=None, type=click.Path(dir_okay=False),
                     help="Registry CSV the agencies come from."),
        click.option("--agency", multiple=True, metavar="ID", help="Agency id (repeat)."),
        click.option("--region", multiple=True, metavar="PREFIX",
                     help="Division-code prefix, e.g. 32 or 320800 (repeat)."),
        click.option("--level", multiple=True, help="national/province/city/county/township."),
        click.option("--kind", multiple=True, help="government/department/other."),
        click.option("--include", multiple=True, metavar="REGEX", help="Scope: also crawl URLs matching."),
        click.option("--exclude", multiple=True, metavar="REGEX", help="Scope: never crawl URLs matching."),
        click.option("--max-depth", type=int, default=None, help="Scope: link hops from the seed."),
        click.option("--max-hops", type=int, default=None, help="Scope: hops off-site for attachments."),
        click.option("--max-pages", type=int, default=None, help="Limit: answers per run (0: none)."),
        click.option("--time-limit", default=None, metavar="DURATION", help="Limit: e.g. 3600, 90m, 6h."),
        click.option("--max-bytes", type=int, default=None, help="Limit: bytes per run (0: none)."),
        click.option("--render", type=click.Choice(["auto", "always", "never"]), default=None),
        click.option("--schedule", default=None, metavar="SPEC",
                     help="after-deadlines | reporting-season | annual | manual | a cron expression."),
        click.option("--timezone", default=None, help="IANA zone of the schedule (default Asia/Shanghai)."),
        click.option("--description", default=None),
        click.option("--proxy", default=None, metavar="URL", help="HTTP proxy for this workflow's crawls."),
        click.option("--set", "-s", "sets", multiple=True, metavar="NAME=VALUE",
                     help="Extra crawl setting (as `nianbao crawl -s`)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _apply_options(mapping: dict[str, Any], opts: dict[str, Any]) -> dict[str, Any]:
    """The YAML-shaped mapping with the given options changed (lists replace lists)."""
    out = json.loads(json.dumps(mapping))
    for opt, (section, key) in {**_LIST_OPTIONS, **_VALUE_OPTIONS}.items():
        value = opts.get(opt)
        if value in (None, ()):
            continue
        if isinstance(value, tuple):
            value = list(value)
        if opt == "registry":
            value = str(Path(str(value)).resolve())
        target = out.setdefault(section, {}) if section else out
        target[key] = value
    if opts.get("sets"):
        try:
            out.setdefault("settings", {}).update(_parse_set(opts["sets"]))
        except click.BadParameter as exc:
            raise click.UsageError(str(exc.message)) from exc
    return out


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def _open(data_dir: Path | None) -> Any:
    from catalog.db import open_catalog

    return open_catalog(resolve_data_dir(data_dir))


@click.group("workflow")
def workflow() -> None:
    """Crawl workflows: what to crawl, how far, and when (run by `nianbao run-due`)."""


@workflow.command("add")
@click.argument("name")
@data_option
@_definition_options
@click.option("--paused", is_flag=True, help="Create it paused.")
def add(name: str, data_dir: Path | None, paused: bool, **opts: Any) -> None:
    """Create workflow NAME (needs --registry)."""
    from catalog.workflows import WorkflowError, save_workflow, workflow_from_mapping

    db = _open(data_dir)
    if db.execute("select 1 from workflows where name = ?", [name]).fetchone():
        raise click.ClickException(f"workflow {name!r} exists; change it with `workflow edit`")
    try:
        wf = workflow_from_mapping(_apply_options({"name": name, "paused": paused}, opts),
                                   source="workflow add")
    except WorkflowError as exc:
        raise _fail(exc) from exc
    save_workflow(db, wf, clock())
    click.echo(f"added workflow {name} ({len(wf.selected_agencies())} agencies, "
               f"schedule {wf.schedule})")


@workflow.command("edit")
@click.argument("name")
@data_option
@_definition_options
def edit(name: str, data_dir: Path | None, **opts: Any) -> None:
    """Change fields of workflow NAME (given list options replace the old list)."""
    from catalog.workflows import WorkflowError, get_workflow, save_workflow, workflow_from_mapping

    db = _open(data_dir)
    try:
        wf = workflow_from_mapping(_apply_options(get_workflow(db, name).to_mapping(), opts),
                                   source="workflow edit")
    except WorkflowError as exc:
        raise _fail(exc) from exc
    save_workflow(db, wf, clock())
    click.echo(f"updated workflow {name}")


@workflow.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_option
def apply(file: Path, data_dir: Path | None) -> None:
    """Create or update the workflows of a YAML FILE (all checked before any is saved)."""
    from catalog.workflows import WorkflowError, load_workflow_file, save_workflow

    try:
        workflows = load_workflow_file(file)
    except WorkflowError as exc:
        raise _fail(exc) from exc
    db = _open(data_dir)
    now = clock()
    for wf in workflows:
        created = save_workflow(db, wf, now)
        click.echo(f"{'created' if created else 'updated'} workflow {wf.name} "
                   f"(schedule {wf.schedule}{', paused' if wf.paused else ''})")


@workflow.command("show")
@click.argument("name")
@data_option
def show(name: str, data_dir: Path | None) -> None:
    """Print workflow NAME as YAML (the shape `workflow apply` reads)."""
    import yaml

    from catalog.workflows import WorkflowError, get_workflow

    try:
        wf = get_workflow(_open(data_dir), name)
    except WorkflowError as exc:
        raise _fail(exc) from exc
    click.echo(yaml.safe_dump(wf.to_mapping(), allow_unicode=True, sort_keys=False), nl=False)


def _set_paused(name: str, data_dir: Path | None, paused: bool) -> None:
    from catalog.workflows import WorkflowError, set_paused

    try:
        set_paused(_open(data_dir), name, paused, clock())
    except WorkflowError as exc:
        raise _fail(exc) from exc
    click.echo(f"{'paused' if paused else 'resumed'} workflow {name}")


@workflow.command("pause")
@click.argument("name")
@data_option
def pause(name: str, data_dir: Path | None) -> None:
    """Stop scheduling workflow NAME (a crawl already running goes on)."""
    _set_paused(name, data_dir, True)


@workflow.command("resume")
@click.argument("name")
@data_option
def resume(name: str, data_dir: Path | None) -> None:
    """Schedule workflow NAME again, from now on (slots missed while paused are not replayed)."""
    _set_paused(name, data_dir, False)


@workflow.command("remove")
@click.argument("name")
@data_option
def remove(name: str, data_dir: Path | None) -> None:
    """Delete workflow NAME (its runs and crawls stay in the catalog)."""
    from catalog.workflows import WorkflowError, delete_workflow

    try:
        delete_workflow(_open(data_dir), name)
    except WorkflowError as exc:
        raise _fail(exc) from exc
    click.echo(f"removed workflow {name}")


def overview(db: Any, data_dir: Path, now: dt.datetime) -> list[dict[str, Any]]:
    """Each workflow with its selection size, next run, last run and its result."""
    from catalog.registry import RegistryError, load_registry
    from catalog.schedules import ScheduleError, due, next_run, parse_schedule
    from catalog.workflows import last_run, last_slot, list_workflows, workflow_baseline

    registries: dict[str, Any] = {}
    out = []
    for wf in list_workflows(db):
        if wf.registry not in registries:
            try:
                registries[wf.registry] = load_registry(wf.registry)
            except (RegistryError, OSError) as exc:
                registries[wf.registry] = exc
        agencies = registries[wf.registry]
        selected = (f"error: {agencies}" if isinstance(agencies, Exception)
                    else len(wf.select(agencies)))
        try:
            schedule = parse_schedule(wf.schedule, wf.timezone)
            marks = [m for m in (workflow_baseline(db, wf.name), last_slot(db, wf.name)) if m]
            missed = due(schedule, max(marks) if marks else None, now)
            upcoming = next_run(schedule, now)
            next_text = (None if schedule.manual else
                         f"due now (slot {missed.isoformat()})" if missed else
                         upcoming.isoformat() if upcoming else None)
        except ScheduleError as exc:
            next_text = f"error: {exc}"
        last = last_run(db, wf.name)
        if last and last["state"] == "running" and not run_alive(data_dir, last):
            last = dict(last, reason="its processes are gone; the next run-due closes it")
        out.append({
            "name": wf.name, "paused": wf.paused, "schedule": wf.schedule,
            "timezone": wf.timezone, "agencies": selected, "registry": wf.registry,
            "next_run": "paused" if wf.paused else next_text,
            "last_run": ({k: last[k] for k in ("run_id", "scheduled_for", "started", "ended",
                                               "state", "crawl_id", "reason", "log_path",
                                               "report_path")} if last else None),
            "definition": wf.to_mapping(),
        })
    return out


def _local(moment: str | None, timezone: str) -> str:
    """A stored (UTC) time shown in the workflow's zone, like its next run."""
    from zoneinfo import ZoneInfo

    from catalog.workflows import parse_time

    parsed = parse_time(moment)
    return parsed.astimezone(ZoneInfo(timezone)).isoformat() if parsed else "never"


@workflow.command("list")
@data_option
@click.option("--now", default=None, metavar="ISO", help="Evaluate next runs at this time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(data_dir: Path | None, now: str | None, as_json: bool) -> None:
    """Workflows with their next run, last run and its result, and paused state."""
    rows = overview(_open(data_dir), resolve_data_dir(data_dir), clock(now))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no workflows")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for col in ("workflow", "agencies", "schedule", "next run", "last run", "result", "paused"):
        table.add_column(col)
    for r in rows:
        last = r["last_run"] or {}
        result = last.get("state") or ""
        if last.get("reason"):
            result += f": {last['reason']}"
        table.add_row(r["name"], str(r["agencies"]), f"{r['schedule']} ({r['timezone']})",
                      r["next_run"] or "manual", _local(last.get("started"), r["timezone"]), result,
                      "yes" if r["paused"] else "no")
    Console(width=180).print(table)


@workflow.command("runs")
@click.argument("name", required=False)
@data_option
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def runs(name: str | None, data_dir: Path | None, limit: int, as_json: bool) -> None:
    """Recent runs (of NAME, or of every workflow), with state, reason, log and report."""
    from catalog.workflows import list_runs

    rows = list_runs(_open(data_dir), name, limit)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for col in ("run", "workflow", "slot", "started", "ended", "state", "crawl id", "reason", "log"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["run_id"]), r["workflow"], r["scheduled_for"] or "", r["started"] or "",
                      r["ended"] or "", r["state"], r["crawl_id"] or "", r["reason"] or "",
                      r["log_path"] or "")
    Console(width=200).print(table)
