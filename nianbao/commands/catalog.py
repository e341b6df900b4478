"""``nianbao index``, ``status``, ``report`` and ``export``: the catalog's commands."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import click

from nianbao.options import data_option, resolve_data_dir

STATUS_STYLE = {
    "on_time": "green",
    "late": "yellow",
    "missing": "red",
    "unverified": "magenta",
    "not_due": "dim",
}


def _as_of(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


@click.command("index")
@data_option
@click.option("--registry", "registries", multiple=True, type=click.Path(exists=True,
              dir_okay=False, path_type=Path), help="Registry CSV(s) of expected agencies.")
@click.option("--reparse", is_flag=True, help="Parse every document again (after a parser upgrade).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Parser processes (default: one per CPU).")
def index(data_dir: Path | None, registries: tuple[Path, ...], reparse: bool,
          jobs: int | None) -> None:
    """Index the data directory's WARCs and crawl reports into the catalog."""
    from catalog.compute import clear_status
    from catalog.crawls import load_registry_file
    from catalog.db import open_catalog
    from catalog.indexer import index_data_dir
    from catalog.registry import RegistryError

    data = resolve_data_dir(data_dir)
    db = open_catalog(data)
    try:
        for path in registries:
            load_registry_file(db, path)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    if registries:
        clear_status(db)
        db.conn.commit()
    stats = index_data_dir(data, reparse=reparse, jobs=jobs)
    click.echo(
        f"indexed {stats.warc_files} new WARC file(s), {stats.records} record(s); "
        f"{stats.documents_parsed} document(s) parsed; {stats.reports} report(s) in catalog "
        f"{data / 'catalog.db'}"
    )
    for error in stats.errors:
        click.echo(f"warning: {error}", err=True)


def _status_options(f):
    for opt in reversed(
        [
            data_option,
            click.option("--as-of", "as_of", help="Evaluate as of this date (default today)."),
            click.option("--year", type=int),
            click.option("--region", help="Division code or prefix (3208 = 淮安市 and below)."),
            click.option("--agency", "agency"),
            click.option("--status", "status_", type=click.Choice(
                ["on_time", "late", "missing", "unverified", "not_due"])),
            click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False,
                         path_type=Path), help="Local deadline rules (YAML) on top of the national ones."),
        ]
    ):
        f = opt(f)
    return f


@click.command("status")
@_status_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def status(data_dir, as_of, year, region, agency, status_, rules_file, fmt) -> None:
    """Status of every expected report: on time, late, missing, unverified or not due."""
    from catalog.db import catalog_path, open_catalog
    from catalog.queries import status_json, status_rows

    data = resolve_data_dir(data_dir)
    if not catalog_path(data).exists():
        raise click.ClickException(f"{catalog_path(data)}: no catalog yet; run `nianbao index`")
    query = dict(as_of=_as_of(as_of), year=year, region=region, agency=agency, status=status_,
                 rules_file=rules_file)
    if fmt == "json":
        write_json_array(status_json(open_catalog(data), **query))
        return
    rows = status_rows(open_catalog(data), **query)
    if fmt == "csv":
        fields = ["agency_id", "agency_name", "region_code", "year", "status", "days_late",
                  "deadline", "published", "published_source", "first_seen", "url",
                  "evidence_warc", "evidence_offset", "evidence_record_id", "flags", "reason"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            ev = r["evidence"] or {}
            writer.writerow(dict(r, evidence_warc=ev.get("warc_file"),
                                 evidence_offset=ev.get("offset"),
                                 evidence_record_id=ev.get("record_id"),
                                 flags=" ".join(r["flags"])))
    else:
        print_status_table(rows)


def write_json_array(objects: Iterable[str]) -> None:
    """A JSON array of already-encoded objects, one per line: as readable as indented JSON for
    line tools, and streamed (a national answer is never held whole in memory)."""
    out = sys.stdout
    out.write("[")
    sep = "\n"
    batch: list[str] = []
    for text in objects:
        batch.append(text)
        if len(batch) == 100:  # one write per batch: a million small writes cost seconds
            out.write(sep + ",\n".join(batch))
            sep, batch = ",\n", []
    if batch:
        out.write(sep + ",\n".join(batch))
    out.write("\n]\n")


def print_status_table(rows: list[dict]) -> None:
    """Readable in a terminal: one table per region, agencies down, years across."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    by_region: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_region[r["region_code"]].append(r)
    totals = Counter(r["status"] for r in rows)
    for region, items in by_region.items():
        years = sorted({r["year"] for r in items})
        table = Table(title=f"region {region}", title_justify="left")
        table.add_column("agency")
        for y in years:
            table.add_column(str(y), justify="center")
        by_agency: dict[str, dict[int, dict]] = defaultdict(dict)
        names = {}
        for r in items:
            by_agency[r["agency_id"]][r["year"]] = r
            names[r["agency_id"]] = r["agency_name"]
        for agency_id, cells in by_agency.items():
            row = [f"{names[agency_id]} ({agency_id})"]
            for y in years:
                cell = cells.get(y)
                if cell is None:
                    row.append("")
                    continue
                label = cell["status"] + (f" +{cell['days_late']}d" if cell["days_late"] else "")
                row.append(f"[{STATUS_STYLE[cell['status']]}]{label}[/]")
            table.add_row(*row)
        console.print(table)
    console.print(
        "totals: " + ", ".join(f"[{STATUS_STYLE[s]}]{s}[/] {totals.get(s, 0)}" for s in STATUS_STYLE)
    )


@click.command("report")
@data_option
@click.argument("agency_id")
@click.argument("year", type=int)
def report(data_dir, agency_id: str, year: int) -> None:
    """One report: metadata, tables, checks, captures and evidence (JSON)."""
    from catalog.db import open_catalog
    from catalog.queries import report_detail

    detail = report_detail(open_catalog(resolve_data_dir(data_dir)), agency_id, year)
    if detail is None:
        raise click.ClickException(f"no report of {agency_id} for {year} in the catalog")
    json.dump(detail, sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")


@click.command("export")
@data_option
@click.option("--as-of", "as_of", help="Evaluate status as of this date (default today).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet"]), default="csv",
              show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("export"), show_default=True)
def export(data_dir, as_of, fmt: str, out_dir: Path) -> None:
    """Export agencies, reports, report tables, checks, expectations and status (one file each)."""
    from catalog.db import catalog_path, open_catalog
    from catalog.exports import ExportError, export_tables
    from catalog.queries import ensure_status

    data = resolve_data_dir(data_dir)
    if not catalog_path(data).exists():
        raise click.ClickException(f"{catalog_path(data)}: no catalog yet; run `nianbao index`")
    db = open_catalog(data)
    ensure_status(db, _as_of(as_of))
    try:
        written = export_tables(db, out_dir, fmt)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    for path, count in written.items():
        click.echo(f"wrote {path} ({count} rows)")


@click.command("publish")
@data_option
@click.option("--as-of", "as_of", help="Evaluate status as of this date (default today).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Directory for the static site.")
def publish(data_dir, as_of, out_dir: Path) -> None:
    """Write a static site of the findings (HTML pages, CSV files, the SQLite file)."""
    from catalog.db import catalog_path, open_catalog
    from catalog.publish import publish as write_site
    from catalog.queries import ensure_status

    data = resolve_data_dir(data_dir)
    if not catalog_path(data).exists():
        raise click.ClickException(f"{catalog_path(data)}: no catalog yet; run `nianbao index`")
    ensure_status(open_catalog(data), _as_of(as_of))
    counts = write_site(data, out_dir)
    click.echo(f"wrote {out_dir}/index.html, {counts['regions']} region page(s), "
               f"{counts['rows']} status rows, CSV files and catalog.db")
