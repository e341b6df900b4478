"""``nianbao demo`` (``make demo``): the whole job end to end on the bundled sandbox.

sandbox up → crawl → archive (WARC) → index → status, then a summary a watchdog would want:
counts by status, the regions with most missing or late reports, example evidence links, and
how the result compares with the sandbox's ground truth. Every step runs the same public
command a user would (as a subprocess), so the demo shows the real thing and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from nianbao.options import resolve_data_dir
from sandbox.observable import score

# A watchdog's schedule for report year 2025: on the departments' and the governments'
# deadline days, then mid-year. Only crawls at the right moments can prove an undated report
# on time or a backdated one late (DOMAIN.md §1); the summary shows what they proved.
CRAWL_DATES = ("2026-01-31", "2026-03-31", "2026-06-30")
# Loopback sandbox: a small fixed delay instead of real-portal AutoThrottle; the politeness
# rules themselves (one connection per host, robots.txt, Retry-After) are unchanged.
SANDBOX_CRAWL_SETTINGS = ("DOWNLOAD_DELAY=0.05", "DOWNLOAD_DELAY_JITTER=0",
                          "AUTOTHROTTLE_ENABLED=false", "DOWNLOAD_TIMEOUT=60")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nianbao(*args: str) -> list[str]:
    return [sys.executable, "-m", "nianbao", *args]


def _wait_for_proxy(proxy: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the sandbox exited early (code {process.returncode})")
        try:
            with opener.open("http://sandbox.test/__state", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise click.ClickException(f"the sandbox did not answer on {proxy} within {timeout:.0f}s")


def _run(step: str, cmd: list[str], **kw) -> subprocess.CompletedProcess:
    click.secho(f"\n▶ {step}: {' '.join(cmd[2:])}", fg="cyan", bold=True)
    result = subprocess.run(cmd, **kw)
    if result.returncode != 0:
        raise click.ClickException(f"{step} failed (exit {result.returncode})")
    return result


@dataclass
class DemoData:
    """What :func:`build_demo_data` leaves behind: a data directory a watchdog would have."""

    data: Path
    registry: Path
    days: list[dt.date]
    as_of: str
    rows: list[dict]  # ``nianbao status --format json`` as of the last crawl day
    truth: list[dict]  # the sandbox's ground truth as of the same day


def build_demo_data(data: Path, *, size: str = "small", faults: str = "some", seed: int = 1,
                    days: Sequence[dt.date] = tuple(map(dt.date.fromisoformat, CRAWL_DATES)),
                    ) -> DemoData:
    """Fill ``data`` (an empty directory) the way a watchdog would: sandbox up, crawl its
    portals on each of ``days``, index, status as of the last day.

    Shared by ``nianbao demo`` and the UI tests, so both show exactly what the public commands
    make of the sandbox.
    """
    days = sorted(days)
    if not days:
        raise click.BadParameter("give at least one date", param_hint="--crawl-dates")
    as_of = days[-1].isoformat()
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    proxy = f"http://127.0.0.1:{port}"
    registry = data / "registry.csv"
    with open(registry, "w", encoding="utf-8") as fh:
        _run("registry", _nianbao("sandbox", "registry", "--seed", str(seed), "--size", size),
             stdout=fh)
    log = open(data / "sandbox.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    sandbox = subprocess.Popen(
        _nianbao("sandbox", "serve", "--port", str(port), "--seed", str(seed), "--size", size,
                 "--faults", faults, "--as-of", days[0].isoformat(), "--latency-ms", "5"),
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_proxy(proxy, sandbox)
        click.echo(f"sandbox serving on {proxy} (hosts under .test; anything else refused)")
        env = dict(os.environ, http_proxy=proxy, https_proxy=proxy)
        for day in days:
            _control(proxy, f"/__clock?date={day.isoformat()}")
            settings = [arg for pair in SANDBOX_CRAWL_SETTINGS for arg in ("-s", pair)]
            _run(f"crawl as of {day}", _nianbao(
                "crawl", "--registry", str(registry), "--data", str(data), "--proxy", proxy,
                "--simulated-date", day.isoformat(), "--no-progress", *settings), env=env)
        truth = _truth(proxy, as_of)
    finally:
        sandbox.terminate()
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
        log.close()
    _run("index", _nianbao("index", "--data", str(data), "--registry", str(registry)))
    out = _run("status", _nianbao("status", "--data", str(data), "--as-of", as_of,
                                  "--format", "json"), capture_output=True, text=True)
    return DemoData(data, registry, list(days), as_of, json.loads(out.stdout), truth)


@click.command("demo")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where the demo writes (default: <data dir>/demo, wiped first).")
@click.option("--size", default="small", show_default=True, help="Sandbox universe size.")
@click.option("--faults", default="some", show_default=True,
              type=click.Choice(["none", "some", "heavy"]))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--crawl-dates", default=",".join(CRAWL_DATES), show_default=True,
              help="Days (comma-separated) on which to crawl the sandbox's portals, as a "
                   "watchdog crawling on deadline days would; status is as of the last.")
def demo(data_dir: Path | None, size: str, faults: str, seed: int, crawl_dates: str) -> None:
    """Run sandbox → crawl → index → status end to end and summarise the result."""
    dates = [d.strip() for d in crawl_dates.split(",") if d.strip()]
    try:
        days = sorted(dt.date.fromisoformat(d) for d in dates)
    except ValueError as exc:
        raise click.BadParameter(f"{crawl_dates!r}: {exc}", param_hint="--crawl-dates") from exc
    if not days:
        raise click.BadParameter("give at least one date", param_hint="--crawl-dates")
    data = data_dir or resolve_data_dir(None) / "demo"
    if data.exists():
        shutil.rmtree(data)
    started = time.monotonic()
    click.secho(f"nianbao demo: sandbox universe seed={seed} size={size} faults={faults}; "
                f"crawls on {', '.join(d.isoformat() for d in days)}; data in {data}", bold=True)
    built = build_demo_data(data, size=size, faults=faults, seed=seed, days=days)
    _summary(built.rows, built.truth, built.days, data, built.as_of)
    click.secho(f"\ndemo finished in {time.monotonic() - started:.0f} s", bold=True)


def _control(proxy: str, path: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    request = urllib.request.Request(f"http://sandbox.test{path}", data=b"", method="POST")
    with opener.open(request, timeout=30) as response:
        response.read()


def _truth(proxy: str, as_of: str) -> list[dict]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    with opener.open(f"http://sandbox.test/__truth?as_of={as_of}", timeout=60) as response:
        return json.loads(response.read())


def _summary(rows: list[dict], truth: list[dict], days: list[dt.date], data: Path,
             as_of: str) -> None:
    counts = Counter(r["status"] for r in rows)
    click.secho(f"\n■ status of {len(rows)} expected reports as of {as_of}", bold=True)
    for status in ("on_time", "late", "missing", "unverified", "not_due"):
        click.echo(f"  {status:<11} {counts.get(status, 0):>5}")
    by_region: Counter[str] = Counter()
    for r in rows:
        if r["status"] in ("missing", "late"):
            by_region[r["region_code"]] += 1
    if by_region:
        click.secho("\n■ regions with most missing or late reports", bold=True)
        for region, n in by_region.most_common(5):
            click.echo(f"  {region}  {n}")
    examples = [r for r in rows if r["evidence"]][:3]
    if examples:
        click.secho("\n■ example evidence (cite as WARC file#offset, record id)", bold=True)
        for r in examples:
            ev = r["evidence"]
            click.echo(f"  {r['agency_name']} {r['year']} {r['status']}: {ev['url']}\n"
                       f"    {ev['warc_file']}#{ev['offset']} {ev['record_id']}")
    result = score(rows, truth, days, dt.date.fromisoformat(as_of))
    n = result["compared"]
    if n:
        click.secho("\n■ against the sandbox's ground truth", bold=True)
        click.echo(f"  what these crawls could prove: {result['agree_provable']}/{n} "
                   f"({100 * result['agree_provable'] / n:.1f}%)")
        click.echo(f"  what really happened:          {result['agree_real']}/{n} "
                   f"({100 * result['agree_real'] / n:.1f}%)  (backdated and undated reports "
                   "need crawls at the right moments)")
        if result["late_compared"]:
            click.echo(f"  late reports with days late ±1: {result['late_days_within_1']}/"
                       f"{result['late_compared']}")
        wrong = Counter((m["provable"], m["ours"], m["outcome"]) for m in result["mismatches"])
        for (provable, ours, outcome), k in wrong.most_common(5):
            click.echo(f"  provable {provable} → ours {ours} ({outcome}): {k}")
    click.secho("\n■ next", bold=True)
    click.echo(f"  nianbao status --data {data} --as-of {as_of}        # the full table")
    click.echo(f"  nianbao report --data {data} AGENCY_ID YEAR          # one report")
    click.echo(f"  nianbao archive verify --data {data}                  # check the WARCs")
    click.echo(f"  nianbao archive replay --data {data}                  # browse the archive")
