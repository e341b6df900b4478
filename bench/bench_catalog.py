"""Catalog at national scale: a synthetic catalog of 100,000 agencies × 11 years.

Measures what issue 6 and 7 set targets for: computing status for everything, answering
``nianbao status --format json`` for one region and for everything, the Datasette coverage grid
and a region's status page, and peak memory. (Indexing real WARCs, and a re-run on an unchanged
archive, are measured by bench_index.py: this catalog is synthetic and has no WARCs.)
The peer is the ``sqlite3`` command-line shell running the equivalent single SQL query on the
same file: the floor any tool built on SQLite can reach.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import Row, measure

AS_OF = dt.date(2026, 6, 30)
YEARS = range(2015, 2026)


def build(data: Path, agencies: int) -> str:
    """Agencies spread over counties; a report for most (agency, year); one crawl covering all.
    Written in batches, so building a national catalog does not itself need gigabytes.
    Returns one county's region code."""
    from catalog.crawls import load_regions
    from catalog.db import open_catalog

    rng = random.Random(7)
    db = open_catalog(data)
    load_regions(db)
    counties = [r["code"] for r in db.query(
        "select code from regions where level = 'county' and status = 'in_use' limit 2800")]
    offset = 0
    for start in range(0, agencies, 5000):
        agency_rows, report_rows, seed_rows, capture_rows = [], [], [], []
        for i in range(start, min(start + 5000, agencies)):
            region = counties[i % len(counties)]
            aid = f"{region}-{i}"
            kind = "government" if i % 20 == 0 else "department"
            agency_rows.append({"agency_id": aid, "name": f"机关{i}", "region_code": region,
                                "level": "county", "kind": kind,
                                "portal_url": f"http://www{i % 5000}.gov.test/", "since": 2015})
            seed_rows.append({"crawl_id": "c1", "agency_id": aid, "complete": int(i % 50 != 0),
                              "status": "complete", "crawled_at": "2026-06-30T23:59:59+00:00"})
            for year in YEARS:
                if rng.random() < 0.85:
                    rid = f"urn:{aid}:{year}"
                    seen = dt.date(year + 1, 1, 1) + dt.timedelta(days=rng.randint(0, 120))
                    report_rows.append({
                        "report_id": f"{aid}:{year}", "agency_id": aid, "year": year,
                        "url": f"http://www{i % 5000}.gov.test/{year}/{i}.html", "record_id": rid,
                        "first_seen": seen.isoformat() + "T08:00:00Z",
                        "last_seen": seen.isoformat() + "T08:00:00Z",
                        "published": (seen - dt.timedelta(days=rng.randint(0, 10))).isoformat(),
                        "published_source": "meta_pubdate", "attachments": "[]", "withdrawn": 0,
                        "changed": 0, "title": f"机关{i}{year}年政府信息公开工作年度报告"})
                    capture_rows.append({
                        "record_id": rid, "url": report_rows[-1]["url"], "status": 200,
                        "captured_at": report_rows[-1]["first_seen"],
                        "observed_at": report_rows[-1]["first_seen"], "warc_file": "X.warc.gz",
                        "offset": offset, "record_type": "response",
                        "agency_id": aid, "crawl_id": "c1"})
                    offset += 1000
        with db.conn:
            db.table("agencies").insert_all(agency_rows, batch_size=5000)
            db.table("crawl_seeds").insert_all(seed_rows, batch_size=5000)
            db.table("reports").insert_all(report_rows, batch_size=5000)
            db.table("captures").insert_all(capture_rows, batch_size=5000)
    db.close()
    return counties[0]


def _compute_in_child(data: Path) -> dict:
    """compute_status in a fresh process, so its peak memory is its own, not the build's."""
    code = ("import json, resource, sys, time; from pathlib import Path; "
            "from catalog.compute import compute_status; from catalog.db import open_catalog; "
            "from bench.bench_catalog import AS_OF; t = time.perf_counter(); "
            "n = compute_status(open_catalog(Path(sys.argv[1])), as_of=AS_OF); "
            "print(json.dumps({'rows': n, 'seconds': time.perf_counter() - t, "
            "'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    out = subprocess.run([sys.executable, "-c", code, str(data)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _nianbao(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nianbao", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _sqlite_cli(db: Path, sql: str) -> float | None:
    if not shutil.which("sqlite3"):
        return None
    t0 = time.perf_counter()
    subprocess.run(["sqlite3", "-json", str(db), sql], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _http(url: str) -> float:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    t0 = time.perf_counter()
    with opener.open(url, timeout=60) as r:
        r.read()
    return time.perf_counter() - t0


def run(quick: bool = False) -> list[Row]:
    from catalog.db import catalog_path

    n = 5_000 if quick else 100_000
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-catalog-") as tmp:
        data = Path(tmp)
        with measure() as m:
            region = build(data, n)
        rows.append(Row("catalog", f"build synthetic catalog ({n:,} agencies × 11 y)", m.wall, "s"))
        child = _compute_in_child(data)
        rows.append(Row("catalog", f"compute status ({child['rows']:,} rows)", child["seconds"],
                        "s", notes=f"peak RSS {child['peak_mb']:.0f} MiB (its own process)",
                        target="memory < 1 GB"))
        region_sql = ("select s.*, a.name from status s join agencies a using (agency_id) "
                      f"where a.region_code like '{region}%' order by s.agency_id, s.year")
        all_sql = ("select s.*, a.name from status s join agencies a using (agency_id) "
                   "order by a.region_code, s.agency_id, s.year")
        db_file = catalog_path(data)
        as_of = AS_OF.isoformat()
        rows.append(Row("catalog", "status --format json, one county", _nianbao(
            "status", "--data", str(data), "--as-of", as_of, "--region", region,
            "--format", "json"), "s", "sqlite3 CLI", _sqlite_cli(db_file, region_sql),
            target="< 0.5 s (query; CLI start-up included here)"))
        rows.append(Row("catalog", "status --format json, everything", _nianbao(
            "status", "--data", str(data), "--as-of", as_of, "--format", "json"), "s",
            "sqlite3 CLI", _sqlite_cli(db_file, all_sql), target="< 10 s"))
        rows.extend(_ui_rows(data, region))
    return rows


def _ui_rows(data: Path, region: str) -> list[Row]:
    from catalog.db import catalog_path
    from nianbao.commands.serve import datasette_command

    port = 8765
    with tempfile.TemporaryDirectory() as work:
        cmd = datasette_command(catalog_path(data), host="127.0.0.1", port=port, public=False,
                                replay_url=None, workdir=Path(work))
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    _http(base + "/-/versions.json")
                    break
                except OSError:
                    time.sleep(0.2)
            _http(base + "/-/coverage")  # warm caches once, as a second visitor would find them
            pages = {
                "UI coverage grid": "/-/coverage?level=county",
                "UI status of one county": f"/catalog/status_view?region_code={region}",
                "UI missing-reports query": "/catalog/missing_reports?year=2024&region=" + region,
            }
            rows = []
            for name, path in pages.items():
                try:
                    rows.append(Row("catalog", name, _http(base + path), "s", target="< 0.5 s"))
                except OSError as exc:  # report a failing page, keep the other figures
                    rows.append(Row("catalog", name, float("nan"), "s", target="< 0.5 s",
                                    notes=f"failed: {exc}"))
            return rows
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row.__dict__, ensure_ascii=False))
