"""Cluster: wall time of a crawl of the sandbox's ``large`` universe on two Scrapyd nodes
against one Scrapyd node, on this machine, with the politeness bound for reference.

Both runs go through :func:`crawler.cluster.run_on_nodes` with the project deployed by
``nianbao deploy`` (so the peer pays the same Scrapyd overhead), each against a fresh sandbox
process (cold document cache) with realistic latency, the same fixed per-host delay as
``bench_crawl`` and AutoThrottle off. The politeness bound is the busiest host's request count
in the two-node crawl × the delay: no crawl keeping one connection per host with that delay can
finish sooner, however many nodes it has. On one machine two nodes share its cores, so the gain
shows where a crawl waits on hosts (latency, delays), not where it is CPU-bound.
``--quick`` crawls the first 100 bodies of the large world.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.bench_crawl import DELAY, LATENCY_MS, _Sandbox
from bench.common import Row

SETTINGS = {"DOWNLOAD_DELAY": DELAY, "DOWNLOAD_DELAY_JITTER": 0, "AUTOTHROTTLE_ENABLED": False}


def _crawl(size: str, nodes: list[str], data: Path) -> tuple[float, int, float]:
    """(wall seconds, report pages found, politeness bound) of one cluster crawl."""
    from crawler.cluster import run_on_nodes

    sb = _Sandbox(size)
    try:
        registry = data.parent / f"{data.name}-registry.csv"
        registry.write_bytes(sb.get("/__registry"))
        t0 = time.perf_counter()
        run = run_on_nodes(registry, None, nodes, data, settings=SETTINGS, proxy=sb.proxy,
                           poll=1.0, node_timeout=120)
        wall = time.perf_counter() - t0
        log = json.loads(sb.get("/__state"))
    finally:
        sb.stop()
    found = 0
    for path in run.report_paths:
        found += json.loads(path.read_text(encoding="utf-8"))["totals"]["report_pages"]
    per_host = Counter(e["host"] for e in log)
    bound = per_host.most_common(1)[0][1] * DELAY if per_host else 0.0
    return wall, found, bound


def run(quick: bool) -> list[Row]:
    import subprocess
    import sys

    from tests.cluster.nodes import local_nodes

    size = "100-agencies" if quick else "large"
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-cluster-"))
    try:
        with local_nodes(2, work / "nodes") as nodes:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "nianbao", "deploy",
                            *[a for n in nodes for a in ("--node", n.url)]],
                           check=True, stdout=subprocess.DEVNULL)
            deploy = time.perf_counter() - t0
            one_wall, one_found, _ = _crawl(size, [nodes[0].url], work / "one")
            two_wall, two_found, bound = _crawl(size, [n.url for n in nodes], work / "two")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    note = f"{size} universe, {LATENCY_MS} ms latency, {DELAY}s per-host delay, this machine"
    return [
        Row("cluster", "wall time, 2 Scrapyd nodes", two_wall, "s", "1 Scrapyd node", one_wall,
            "< 1.0× one node", note),
        Row("cluster", "politeness bound", bound, "s", "2 nodes' wall time", two_wall, "",
            "busiest host's requests × delay: the floor for any polite crawl"),
        Row("cluster", "report pages found, 2 nodes", two_found, "pages", "1 Scrapyd node",
            one_found, "= one node", "the partition loses nothing"),
        Row("cluster", "deploy to 2 nodes", deploy, "s", notes="egg build + addversion.json"),
    ]
