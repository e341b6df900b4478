"""Scale-out on two real Scrapyd servers (issue 8): deploy the project, crawl the small sandbox
partitioned by host across both nodes, and check that the merged data directory indexes to the
same catalog as a single-node crawl, that no host was crawled by both nodes, and that a node
killed mid-job (SIGKILL to its process group) has its part finished by the other node.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from catalog.registry import load_registry
from crawler.cluster import ClusterRun, host_groups, run_on_nodes
from tests.cluster.nodes import local_nodes
from tests.crawler.harness import TEST_SETTINGS, crawl_command, env, write_registry

ROOT = Path(__file__).resolve().parents[2]
# Three crawls of the small world (one reference, two through Scrapyd) and three indexings; the
# module-scoped setup counts against the first test.
pytestmark = pytest.mark.timeout(900)
DAY = "2026-06-30"  # the sandbox's clock; recorded by every crawl, used as status --as-of


def nianbao(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True,
                            text=True, timeout=timeout, env=env(), cwd=ROOT)
    assert result.returncode == 0, f"nianbao {args[0]} failed:\n{result.stderr[-3000:]}"
    return result


def catalog_of(data: Path, registry: Path) -> tuple[list[tuple], list[tuple]]:
    """Index ``data`` and return (reports, statuses), each a sorted list of comparable rows."""
    nianbao("index", "--data", str(data), "--registry", str(registry))
    status = json.loads(nianbao("status", "--data", str(data), "--as-of", DAY,
                                "--format", "json").stdout)
    statuses = sorted((s["agency_id"], s["year"], s["status"], s["published"], s["url"])
                      for s in status)
    with sqlite3.connect(data / "catalog.db") as db:
        reports = sorted(db.execute(
            "select agency_id, year, url, digest, published, kind from reports").fetchall())
    return reports, statuses


def archived(data: Path) -> set[tuple[str, str, int]]:
    """Every answer archived in ``data`` (method, URL, status), over all crawls' journals."""
    out = set()
    for journal in (data / "crawls").glob("*/fetched.jsonl"):
        for line in journal.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            out.add((row["method"], row["url"], row["status"]))
    return out


def assert_same_catalog(data: Path, world: dict[str, Any]) -> None:
    """The crawl archived what the single-node crawl did, and indexes to the same reports and
    statuses (archive first: a difference there is the crawl's, after it the indexer's)."""
    assert archived(data) == world["reference_archived"]
    reports, statuses = catalog_of(data, world["registry"])
    ref_reports, ref_statuses = world["reference"]
    assert reports, "the sandbox's reports were found"
    assert reports == ref_reports
    assert statuses == ref_statuses


def hosts_by_node(data: Path, run: ClusterRun) -> dict[str, set[str]]:
    """The hosts each node fetched, from the journals of the parts it ran (the journal is the
    list of answers the node archived to WARC)."""
    out: dict[str, set[str]] = {}
    for node, crawl_ids in run.crawl_ids.items():
        hosts: set[str] = set()
        for cid in crawl_ids:
            for line in (data / "crawls" / cid / "fetched.jsonl").read_text().splitlines():
                hosts.add(urlsplit(json.loads(line)["url"]).hostname or "")
        out[node] = hosts
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The small sandbox, two deployed Scrapyd nodes, and a single-node reference crawl."""
    from sandbox.testing import running_sandbox

    base = tmp_path_factory.mktemp("cluster")
    with running_sandbox(seed=1, size="small", faults="none", as_of=DAY) as sb, \
            local_nodes(2, base / "nodes") as nodes:
        registry = write_registry(sb, base / "registry.csv")
        # two of the small world's four host groups (a county government, its departments and
        # townships on its shared platform each): one part per node, half the run time
        everyone = load_registry(registry)
        ids = [a.agency_id for g in host_groups(everyone)[:2] for a in g]
        deployed = json.loads(nianbao("deploy", "--json", *[a for n in nodes for a in
                                                             ("--node", n.url)]).stdout)
        single = base / "single"
        result = subprocess.run(crawl_command(registry, single, sb.proxy_url,
                                              "--simulated-date", DAY, "--only", ",".join(ids)),
                                capture_output=True, text=True, timeout=300, env=env(), cwd=ROOT)
        assert result.returncode == 0, result.stderr[-3000:]
        yield {"sb": sb, "nodes": nodes, "registry": registry, "base": base, "ids": ids,
               "deployed": deployed, "reference": catalog_of(single, registry),
               "reference_archived": archived(single)}


def test_deploy_uploads_the_project_to_every_node(world):
    from crawler.scrapyd_api import ScrapydNode

    assert [n["ok"] for n in world["deployed"]["nodes"]] == [True, True]
    for node in world["nodes"]:
        assert world["deployed"]["version"] in ScrapydNode(node.url).list_versions("nianbao")


def test_partitioned_crawl_equals_a_single_node_crawl(world):
    sb, nodes, registry = world["sb"], world["nodes"], world["registry"]
    data = world["base"] / "two-nodes"
    sb.reset_log()
    run = run_on_nodes(registry, world["ids"], [n.url for n in nodes], data, settings=TEST_SETTINGS,
                       proxy=sb.proxy_url, poll=0.5, simulated_date=DAY)
    assert run.complete and not run.rescheduled
    assert len(run.parts) == 2 and {p.node for p in run.parts} == {n.url for n in nodes}

    by_node = hosts_by_node(data, run)
    assert all(by_node.values()), "both nodes crawled"
    a, b = by_node.values()
    assert not a & b, f"hosts crawled by both nodes: {sorted(a & b)}"
    # and every host the sandbox served is among them (nothing fetched outside the parts)
    served = {e["host"] for e in sb.state()}
    assert served and served <= a | b

    assert_same_catalog(data, world)
    # each node's log came back over HTTP next to its part's report
    for part in run.parts:
        assert "Spider closed" in (data / "crawls" / part.crawl_id / "crawl.log").read_text()
    summary = json.loads((data / "crawls" / run.crawl_id / "cluster.json").read_text())
    assert sorted(summary["warc_files"]) == sorted(p.name for p in run.warc_files)


def test_a_restarted_node_that_forgot_its_job_has_the_part_run_again(world):
    """Scrapyd keeps its job list in memory: a node restarted mid-job (by systemd, say) answers
    again but no longer knows the job, and its crawl died with it. The part must run again,
    resuming from what it archived, and the run complete with the node still counted alive."""
    sb, nodes, registry = world["sb"], world["nodes"], world["registry"]
    data = world["base"] / "node-restarts"
    victim = nodes[0]
    outcome: dict[str, Any] = {}
    events: list[tuple[str, dict]] = []

    def run() -> None:
        try:
            outcome["run"] = run_on_nodes(
                registry, world["ids"], [n.url for n in nodes], data, settings=TEST_SETTINGS,
                proxy=sb.proxy_url, poll=0.5, node_grace=8, simulated_date=DAY, time_limit=240,
                on_event=lambda kind, info: events.append((kind, info)))
        except Exception as exc:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    lost_part = None
    while time.monotonic() < deadline and lost_part is None:
        for crawl in (data / "crawls").glob("*-p*/crawl.json"):
            info = json.loads(crawl.read_text())
            journal = crawl.parent / "fetched.jsonl"
            if info["node"] == victim.url and journal.exists() and \
                    len(journal.read_text().splitlines()) >= 5:
                lost_part = info["crawl_id"]
        time.sleep(0.1)
    assert lost_part, "the node never started crawling"
    assert not (data / "crawls" / lost_part / "report.json").exists(), "restarted too late"
    victim.restart()
    thread.join(timeout=300)
    assert "error" not in outcome, outcome.get("error")
    result: ClusterRun = outcome["run"]

    assert result.complete and result.dead_nodes == []
    assert ("job-lost", {"part": lost_part, "node": victim.url,
                         "job": f"{lost_part}-a1"}) in events
    assert [r["part"] for r in result.rescheduled] == [lost_part]
    again = next(p for p in result.parts if p.crawl_id == lost_part)
    assert again.attempts == 2 and again.state == "finished"
    log = (data / "crawls" / lost_part / "crawl.log").read_text()
    assert "archived answers will be replayed, not fetched" in log

    assert_same_catalog(data, world)


def test_stopping_a_cluster_run_cancels_its_jobs_and_keeps_partial_reports(world):
    """What SIGTERM to a run worker does (it sets ``stop``): every Scrapyd job is cancelled,
    no crawl goes on running on a node, and each part's crawl stopped cleanly with a report."""
    from crawler.cluster import ClusterError
    from crawler.scrapyd_api import ScrapydNode

    sb, nodes, registry = world["sb"], world["nodes"], world["registry"]
    data = world["base"] / "stopped"
    stop = threading.Event()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["run"] = run_on_nodes(
                registry, world["ids"], [n.url for n in nodes], data,
                # slow enough that neither part can finish before it is stopped
                settings={**TEST_SETTINGS, "DOWNLOAD_DELAY": 0.5},
                proxy=sb.proxy_url, poll=0.5, simulated_date=DAY, time_limit=240, stop=stop)
        except Exception as exc:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        journals = list((data / "crawls").glob("*-p*/fetched.jsonl"))
        if len(journals) == 2 and all(len(j.read_text().splitlines()) >= 5 for j in journals):
            break
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=180)
    assert not thread.is_alive()
    error = outcome.get("error")
    assert isinstance(error, ClusterError) and "stopped" in str(error), outcome
    run_ = error.run
    assert run_ is not None and {p.state for p in run_.parts} == {"cancelled"}
    for node in nodes:
        jobs = ScrapydNode(node.url).list_jobs("nianbao")
        assert not [j for j in jobs["pending"] + jobs["running"] if j["id"].startswith(run_.crawl_id)]
    for part in run_.parts:
        report = json.loads((data / "crawls" / part.crawl_id / "report.json").read_text())
        assert report["complete"] is False and report["finish_reason"] == "shutdown", report.get(
            "finish_reason")
    summary = json.loads((data / "crawls" / run_.crawl_id / "cluster.json").read_text())
    assert {p["state"] for p in summary["parts"]} == {"cancelled"}


def test_a_node_killed_mid_job_has_its_hosts_rescheduled(world):
    sb, nodes, registry = world["sb"], world["nodes"], world["registry"]
    data = world["base"] / "node-dies"
    victim = nodes[1]
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["run"] = run_on_nodes(
                registry, world["ids"], [n.url for n in nodes], data, settings=TEST_SETTINGS,
                proxy=sb.proxy_url, poll=0.5, node_grace=2, simulated_date=DAY, time_limit=240)
        except Exception as exc:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    # kill the victim once its crawl has archived something (mid-job, not before or after)
    deadline = time.monotonic() + 120
    killed_part = None
    while time.monotonic() < deadline and killed_part is None:
        for crawl in (data / "crawls").glob("*-p*/crawl.json"):
            info = json.loads(crawl.read_text())
            journal = crawl.parent / "fetched.jsonl"
            if info["node"] == victim.url and journal.exists() and \
                    len(journal.read_text().splitlines()) >= 5:
                killed_part = info["crawl_id"]
        time.sleep(0.1)
    assert killed_part, "the victim node never started crawling"
    assert not (data / "crawls" / killed_part / "report.json").exists(), "killed too late"
    victim.kill()
    thread.join(timeout=300)
    assert "error" not in outcome, outcome.get("error")
    result: ClusterRun = outcome["run"]

    assert result.complete
    assert result.dead_nodes == [victim.url]
    assert [r["part"] for r in result.rescheduled] == [killed_part]
    moved = next(p for p in result.parts if p.crawl_id == killed_part)
    assert moved.node == nodes[0].url and moved.nodes_tried == [victim.url, nodes[0].url]
    # the killed JOBDIR was set aside; the restart replayed what the first attempt archived
    assert list((data / "crawls" / killed_part).glob("job.unclean-*"))
    log = (data / "crawls" / killed_part / "crawl.log").read_text()
    assert "archived answers will be replayed, not fetched" in log

    assert_same_catalog(data, world)
