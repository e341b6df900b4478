"""``nianbao crawl``: crawl a registry's portals for annual reports into the archive."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from nianbao.options import data_option, resolve_data_dir


def _parse_set(values: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--set")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        out[key.strip()] = value
    return out


class _Progress:
    """Live display (rich) of a running crawl: pages, documents, reports, errors, host queues."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.crawler: Any = None
        self.live: Any = None
        self.loop: Any = None

    def attach(self, crawler: Any) -> None:
        self.crawler = crawler
        if not self.enabled:
            return
        from scrapy import signals

        crawler.signals.connect(self._start, signal=signals.engine_started)
        crawler.signals.connect(self._stop, signal=signals.engine_stopped)

    def _render(self) -> Any:
        from rich.table import Table

        from crawler.report import CrawlReportExtension

        live: dict[str, int] = {}
        for ext in self.crawler.extensions.middlewares:
            if isinstance(ext, CrawlReportExtension):
                live = dict(ext.live)
        table = Table(title=(f"pages {live.get('pages', 0)} · documents {live.get('documents', 0)}"
                             f" · reports found {live.get('reports', 0)}"
                             f" · errors {live.get('errors', 0)}"))
        table.add_column("host")
        table.add_column("in flight", justify="right")
        table.add_column("queued", justify="right")
        table.add_column("delay s", justify="right")
        engine = self.crawler.engine
        slots = engine.downloader.slots if engine is not None else {}
        rows = sorted(slots.items(), key=lambda kv: -(len(kv[1].queue) + len(kv[1].transferring)))
        for host, slot in rows[:12]:
            table.add_row(host, str(len(slot.transferring)), str(len(slot.queue)), f"{slot.delay:.2f}")
        return table

    def _start(self) -> None:
        from rich.live import Live
        from twisted.internet import task

        self.live = Live(self._render(), refresh_per_second=4, transient=True)
        self.live.start()
        self.loop = task.LoopingCall(lambda: self.live.update(self._render()))
        self.loop.start(0.5, now=False)

    def _stop(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.stop()


@click.command("crawl")
@click.option("--registry", "registry", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Registry CSV of agencies to crawl.")
@data_option
@click.option("--only", "only", multiple=True, metavar="ID",
              help="Crawl only these agency ids (repeat, or comma-separate).")
@click.option("--proxy", default=None, metavar="URL",
              help="HTTP proxy for every request (default: $http_proxy / $https_proxy).")
@click.option("--max-pages", type=click.IntRange(min=0), default=0, help="Stop after N answers (0: no limit).")
@click.option("--time-limit", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Stop after this many seconds (0: no limit).")
@click.option("--max-bytes", type=click.IntRange(min=0), default=0, help="Stop after N bytes downloaded.")
@click.option("--render", type=click.Choice(["auto", "always", "never"]), default="auto",
              help="JavaScript rendering: only where needed (auto), every page, or never.")
@click.option("--resume", "resume", default=None, metavar="CRAWL_ID",
              help="Continue a stopped or killed crawl without refetching what it archived.")
@click.option("--crawl-id", default=None, help="Id for a new crawl (default: time-based).")
@click.option("--set", "-s", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy/nianbao setting (JSON values allowed), e.g. -s DOWNLOAD_DELAY=2.")
@click.option("--simulated-date", default=None, metavar="YYYY-MM-DD",
              help="For sandbox runs: the simulated clock date, recorded in warcinfo, metadata "
                   "records and the crawl report (WARC-Date stays the real time).")
@click.option("--progress/--no-progress", default=None,
              help="Live progress display (default: when output is a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl report as JSON.")
def crawl(registry: Path, data_dir: Path | None, only: tuple[str, ...], proxy: str | None,
          max_pages: int, time_limit: float, max_bytes: int, render: str, resume: str | None,
          crawl_id: str | None, sets: tuple[str, ...], simulated_date: str | None, progress: bool | None, as_json: bool) -> None:
    """Crawl the portals of a registry for annual reports (政府信息公开工作年度报告), archiving every
    answer to WARC, and print the crawl report.

    Polite by default: one connection per host, AutoThrottle, robots.txt, Retry-After honoured.
    Ctrl-C or SIGTERM stops cleanly; continue with --resume CRAWL_ID.
    """
    from catalog.registry import RegistryError
    from crawler.report import render_table
    from crawler.runner import run_crawl

    ids = [i.strip() for chunk in only for i in chunk.split(",") if i.strip()]
    overrides = _parse_set(sets)
    if simulated_date:
        import datetime as dt

        try:
            dt.date.fromisoformat(simulated_date)
        except ValueError as exc:
            raise click.BadParameter(f"{simulated_date!r} is not YYYY-MM-DD",
                                     param_hint="--simulated-date") from exc
        overrides["NIANBAO_SIMULATED_DATE"] = simulated_date
    proxy = proxy or os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY") or None
    show = sys.stdout.isatty() if progress is None else progress
    bar = _Progress(show and not as_json)
    try:
        report = run_crawl(registry, data_dir=resolve_data_dir(data_dir), only=ids, crawl_id=crawl_id,
                           resume=resume, proxy=proxy, max_pages=max_pages, time_limit=time_limit,
                           max_bytes=max_bytes, render=render, overrides=overrides,
                           on_start=bar.attach)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0] if exc.args else exc)) from exc
    except (FileNotFoundError, FileExistsError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    console = Console(width=160)
    console.print(render_table(report))
    console.print(f"crawl id: {report['crawl_id']}  ·  report: "
                  f"{resolve_data_dir(data_dir) / 'crawls' / report['crawl_id'] / 'report.json'}"
                  f"  ·  WARC files: {len(report['warc_files'])}")
