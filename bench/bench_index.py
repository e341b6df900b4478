"""Indexing at scale: WARCs of N annual-report pages → catalog, then a re-run on the unchanged
archive (issue 6: time per 1,000 documents; a re-run on a 10,000-report archive under 5 s).

The archive is written with nianbao's own ``ArchiveWriter`` from the five real seed reports,
each page given its own agency, host and year so every record is a distinct report. The peer is
``cdxj-indexer``, the standard tool, reading the same WARCs: the floor of merely reading them,
before any parsing.
"""

from __future__ import annotations

import csv
import gzip
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from archive.exchange import Exchange
from archive.writer import ArchiveWriter
from bench.common import Row, measure, peak_rss_mb

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
PER_AGENCY = 10  # report years per agency


def write_archive(data: Path, n: int) -> Path:
    """``n`` report pages (gzip-encoded HTML) in WARCs under ``data``; returns the registry."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "seeds").glob("*.txt"))]
    fetched = datetime(2026, 2, 1, tzinfo=UTC)
    agencies = []
    with ArchiveWriter(data, crawl_id="bench-index", warcinfo={"operator": "bench"}) as writer:
        for i in range(n):
            a, year = divmod(i, PER_AGENCY)
            year += 2015
            host = f"www.a{a}.gov.test"
            if year == 2015:
                agencies.append({"agency_id": f"a{a}", "name": f"测试县第{a}局",
                                 "region_code": "320813", "level": "county",
                                 "kind": "department", "portal_url": f"http://{host}/",
                                 "report_url": "", "render": "never"})
            title = f"测试县第{a}局{year}年政府信息公开工作年度报告"
            html = (f"<html><head><meta name=\"ArticleTitle\" content=\"{title}\">"
                    f"<meta name=\"PubDate\" content=\"{year + 1}-01-20\"><title>{title}</title>"
                    f"</head><body><h1>{title}</h1><div class=\"content\"><p>"
                    + texts[i % len(texts)].replace("\n", "</p><p>")
                    + "</p></div></body></html>").encode("utf-8")
            writer.write_exchange(Exchange(
                url=f"http://{host}/zwgk/ndbg/{year}/t{i}.html", method="GET",
                request_headers=[("User-Agent", "nianbao-bench/1")], request_body=b"",
                status=200, reason="OK", http_version="HTTP/1.1",
                response_headers=[("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Encoding", "gzip")],
                body=gzip.compress(html, mtime=0), fetched_at=fetched, ip_address="127.0.0.1",
                metadata={"via": f"http://{host}/zwgk/ndbg/", "hops": 2, "agency_id": f"a{a}",
                          "response_class": "ok", "role": "report"},
            ))
    registry = data / "registry.csv"
    with open(registry, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(agencies[0]))
        w.writeheader()
        w.writerows(agencies)
    return registry


def _nianbao(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nianbao", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _cdxj_indexer(data: Path) -> float | None:
    exe = Path(sys.executable).with_name("cdxj-indexer")
    if not exe.exists():
        return None
    t0 = time.perf_counter()
    subprocess.run([str(exe), *map(str, sorted((data / "warcs").glob("*.warc.gz")))],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def run(quick: bool = False) -> list[Row]:
    n = 500 if quick else 10_000
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-index-") as tmp:
        data = Path(tmp)
        with measure() as m:
            registry = write_archive(data, n)
        rows.append(Row("index", f"write archive ({n:,} report pages)", m.wall, "s",
                        notes=f"peak RSS {peak_rss_mb():.0f} MiB"))
        first = _nianbao("index", "--data", str(data), "--registry", str(registry))
        peer = _cdxj_indexer(data)
        rows.append(Row("index", "index, per 1,000 documents", first / n * 1000, "s",
                        "cdxj-indexer", None if peer is None else peer / n * 1000,
                        notes="parse every document, attribute, write the catalog"))
        rows.append(Row("index", f"index re-run, unchanged archive ({n:,} reports)",
                        _nianbao("index", "--data", str(data)), "s", target="< 5 s"))
        shutil.rmtree(data / "warcs", ignore_errors=True)
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick="--quick" in sys.argv):
        print(row)
