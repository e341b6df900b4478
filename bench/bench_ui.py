"""The watchdog UI at national scale: page times of ``nianbao serve`` on 100,000 agencies.

Issue 7's target: every page answers in under 500 ms on the 100,000-agency benchmark catalog
(the synthetic catalog of :mod:`bench.bench_catalog`: 100,000 agencies × 11 years, 1.1 million
status rows). Served for real: ``nianbao serve`` (Datasette with our metadata, plugin and
templates) in its own process, fetched over HTTP; each page once to warm SQLite's page cache
(as the second visitor finds it), then ``REPEAT`` times, the median reported.

The peer is plain ``datasette`` (no metadata, no plugins) on the same file, showing the first
page of the ``status`` table: the floor of any Datasette page on this catalog.

Set ``NIANBAO_BENCH_UI_DATA=DIR`` to keep the built catalog in DIR and reuse it next time
(building takes minutes); otherwise it is built in a temporary directory and removed.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import Row, measure

TARGET_S = 0.5
REPEAT = 5
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> float:
    """Seconds until the whole page has arrived; a page that errors raises."""
    return _fetch_body(url)[0]


def _fetch_body(url: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    with _DIRECT.open(url, timeout=120) as r:
        body = r.read()
    return time.perf_counter() - t0, body


@contextmanager
def _server(cmd: list[str], port: int) -> Iterator[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                _fetch(base + "/-/versions.json")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(cmd)}: no server on {base}") from None
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _page_time(url: str) -> tuple[float, float, str]:
    """(median, max) seconds over ``REPEAT`` fetches after one warm-up, and what the page
    left out to answer in time (facets past ``facet_time_limit_ms``): a fast page that
    dropped its facets is not the page a watchdog asked for."""
    _fetch(url)
    fetched = [_fetch_body(url) for _ in range(REPEAT)]
    times = [t for t, _ in fetched]
    lost = [f"facets timed out ({sum(_TIMED_OUT in body for _, body in fetched)}/{REPEAT})"
            ] if any(_TIMED_OUT in body for _, body in fetched) else []
    return statistics.median(times), max(times), "; ".join(lost)


_TIMED_OUT = b'class="facets-timed-out"'


def _catalog(data: Path, agencies: int) -> tuple[str, float | None]:
    """Build the benchmark catalog (with status) in ``data`` unless it is already there.
    Returns a county code with agencies, and the build time (None when reused)."""
    from bench.bench_catalog import AS_OF, build
    from catalog.compute import compute_status
    from catalog.db import catalog_path, open_catalog

    if catalog_path(data).exists():
        db = open_catalog(data)
        n = db.execute("select count(*) from agencies").fetchone()[0]
        region = db.execute("select min(region_code) from agencies").fetchone()[0]
        done = db.execute("select count(*) from status").fetchone()[0]
        if n != agencies:
            raise SystemExit(f"{data}: holds a catalog of {n:,} agencies, not {agencies:,}; "
                             "remove it or point NIANBAO_BENCH_UI_DATA elsewhere")
        if not done:  # an earlier run stopped before status was computed
            compute_status(db, as_of=AS_OF)
        db.close()
        return region, None
    with measure() as m:
        region = build(data, agencies)
        db = open_catalog(data)
        compute_status(db, as_of=AS_OF)
        db.close()
    return region, m.wall


def _pages(data: Path, region: str) -> dict[str, str]:
    """The pages a watchdog opens, on real codes and ids of the catalog."""
    from catalog.db import open_catalog

    db = open_catalog(data)
    agency = db.execute("select agency_id from agencies where region_code = ? limit 1",
                        [region]).fetchone()[0]
    name = db.execute("select name from agencies where agency_id = ?", [agency]).fetchone()[0]
    db.close()
    q = urllib.parse.urlencode
    return {
        "coverage grid, national (provinces)": "/-/coverage",
        "coverage grid, one province": "/-/coverage?" + q({"parent": region[:2]}),
        "coverage grid, one prefecture": "/-/coverage?" + q({"parent": region[:4]}),
        "coverage grid, counties only": "/-/coverage?" + q({"level": "county"}),
        "coverage cell → agency list": "/catalog/status_view?" + q(
            {"region_code__startswith": region[:4], "year": 2024, "status": "missing"}),
        "stored query: missing reports, a province": "/catalog/missing_reports?" + q(
            {"year": 2024, "region": region[:2]}),
        "stored query: late reports, everywhere": "/catalog/late_reports?" + q(
            {"year": 2024, "region": "", "min_days": ""}),
        "stored query: late reports, one county, all years": "/catalog/late_reports?" + q(
            {"year": "", "region": region, "min_days": ""}),
        "stored query: missing reports, everywhere, all years": "/catalog/missing_reports?" + q(
            {"year": "", "region": ""}),
        "stored query: unverified, everywhere": "/catalog/unverified?" + q(
            {"year": "", "region": ""}),
        "stored query: a region's coverage": "/catalog/region_coverage?" + q(
            {"region": region[:4]}),
        "an agency's history": "/catalog/agency_history?" + q({"agency_id": agency}),
        "full-text search of reports": "/catalog/reports?" + q({"_search": name + "2024"}),
        "table page: status (first page)": "/catalog/status",
        "table page: status_view (first page)": "/catalog/status_view",
        "table page: status_view of a county": "/catalog/status_view?" + q(
            {"region_code": region}),
        "table page: agencies of a county": "/catalog/agencies?" + q({"region_code": region}),
        "stored query CSV: missing reports, a province": "/catalog/missing_reports.csv?" + q(
            {"year": 2024, "region": region[:2], "_size": "max"}),
    }


def run(quick: bool = False) -> list[Row]:
    from catalog.db import catalog_path

    agencies = 5_000 if quick else 100_000
    keep = os.environ.get("NIANBAO_BENCH_UI_DATA")
    tmp = None if keep else tempfile.TemporaryDirectory(prefix="nianbao-bench-ui-")
    data = Path(keep) if keep else Path(tmp.name)  # type: ignore[union-attr]
    rows: list[Row] = []
    try:
        region, built = _catalog(data, agencies)
        if built is not None:
            rows.append(Row("ui", f"build catalog + status ({agencies:,} agencies × 11 y)",
                            built, "s", notes="bench_catalog.build + compute_status"))
        pages = _pages(data, region)
        peer_port = _free_port()
        peer_cmd = [sys.executable, "-m", "datasette", "serve", str(catalog_path(data)),
                    "--port", str(peer_port)]
        with _server(peer_cmd, peer_port) as peer_base:
            peer, _, _ = _page_time(peer_base + "/catalog/status")
        port = _free_port()
        ours_cmd = [sys.executable, "-m", "nianbao", "serve", "--data", str(data),
                    "--port", str(port)]
        with _server(ours_cmd, port) as base:
            for name, path in pages.items():
                try:
                    median, worst, lost = _page_time(base + path)
                except (OSError, urllib.error.HTTPError) as exc:
                    rows.append(Row("ui", name, float("nan"), "ms", "plain datasette",
                                    peer * 1000, target="< 500 ms", notes=f"failed: {exc}"))
                    continue
                verdict = "SLOW" if median >= TARGET_S else "INCOMPLETE" if lost else "ok"
                rows.append(Row("ui", name, median * 1000, "ms", "plain datasette status page",
                                peer * 1000, target="< 500 ms",
                                notes=f"{verdict}: {median / TARGET_S:.2f}× target; "
                                      f"max {worst * 1000:.0f} ms"
                                      + (f"; {lost}" if lost else "")))
    finally:
        if tmp is not None:
            tmp.cleanup()
    return rows


if __name__ == "__main__":  # pragma: no cover
    import json

    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row.__dict__, ensure_ascii=False))
