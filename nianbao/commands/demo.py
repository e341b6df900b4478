"""``nianbao demo`` (``make demo``): the whole job end to end on the bundled sandbox.

sandbox up → crawl → archive (WARC) → index → status, then a summary a watchdog would want:
counts by status, the regions with most missing or late reports, example evidence links, and
how the result compares with the sandbox's ground truth. Every step runs the same public
command a user would (as a subprocess), so the demo shows the real thing and nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import click

from nianbao.options import resolve_data_dir

SANDBOX_DATE = "2026-06-30"


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


@click.command("demo")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where the demo writes (default: <data dir>/demo, wiped first).")
@click.option("--size", default="small", show_default=True, help="Sandbox universe size.")
@click.option("--faults", default="some", show_default=True,
              type=click.Choice(["none", "some", "heavy"]))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--as-of", "as_of", default=SANDBOX_DATE, show_default=True,
              help="The sandbox's date: the crawl sees the portals as of this day.")
def demo(data_dir: Path | None, size: str, faults: str, seed: int, as_of: str) -> None:
    """Run sandbox → crawl → index → status end to end and summarise the result."""
    data = data_dir or resolve_data_dir(None) / "demo"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    port = _free_port()
    proxy = f"http://127.0.0.1:{port}"
    registry = data / "registry.csv"
    click.secho(f"nianbao demo: sandbox universe seed={seed} size={size} faults={faults}, "
                f"portals as of {as_of}; data in {data}", bold=True)
    with open(registry, "w", encoding="utf-8") as fh:
        _run("registry", _nianbao("sandbox", "registry", "--seed", str(seed), "--size", size),
             stdout=fh)
    log = open(data / "sandbox.log", "w", encoding="utf-8")
    sandbox = subprocess.Popen(
        _nianbao("sandbox", "serve", "--port", str(port), "--seed", str(seed), "--size", size,
                 "--faults", faults, "--as-of", as_of, "--latency-ms", "5"),
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_proxy(proxy, sandbox)
        click.echo(f"sandbox serving on {proxy} (hosts under .test; anything else refused)")
        env = dict(os.environ, http_proxy=proxy, https_proxy=proxy)
        _run("crawl", _nianbao("crawl", "--registry", str(registry), "--data", str(data),
                               "--proxy", proxy, "--simulated-date", as_of), env=env)
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
    rows = json.loads(out.stdout)
    _summary(rows, truth, data, as_of)


def _truth(proxy: str, as_of: str) -> list[dict]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    with opener.open(f"http://sandbox.test/__truth?as_of={as_of}", timeout=60) as response:
        return json.loads(response.read())


def _summary(rows: list[dict], truth: list[dict], data: Path, as_of: str) -> None:
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
    expected = {(t["agency_id"], t["year"]): t["expected_status"] for t in truth}
    compared = [(r, expected[(r["agency_id"], r["year"])]) for r in rows
                if (r["agency_id"], r["year"]) in expected]
    agree = sum(1 for r, e in compared if r["status"] == e)
    if compared:
        click.secho(f"\n■ agreement with the sandbox's ground truth: {agree}/{len(compared)} "
                    f"({100 * agree / len(compared):.1f}%)", bold=True)
        wrong = Counter((e, r["status"]) for r, e in compared if r["status"] != e)
        for (e, got), n in wrong.most_common(5):
            click.echo(f"  truth {e} → ours {got}: {n}")
    click.secho("\n■ next", bold=True)
    click.echo(f"  nianbao status --data {data} --as-of {as_of}        # the full table")
    click.echo(f"  nianbao report --data {data} AGENCY_ID YEAR          # one report")
    click.echo(f"  nianbao archive verify --data {data}                  # check the WARCs")
    click.echo(f"  nianbao archive replay --data {data}                  # browse the archive")
