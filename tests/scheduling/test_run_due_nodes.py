"""run-due --nodes: a due workflow's crawl handed to a real Scrapyd node on loopback
(crawler.cluster.run_on_nodes), its parts' crawl reports registered in the catalog and the run
closed from them, like a local run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml
from click.testing import CliRunner

from catalog.db import open_catalog
from catalog.registry import load_registry
from nianbao.cli import main
from tests.cluster.nodes import local_nodes
from tests.crawler.harness import TEST_SETTINGS, env, write_registry

ROOT = Path(__file__).resolve().parents[2]


def cli(args: list[str], data: Path, now: str) -> str:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env={"NIANBAO_NOW": now})
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_run_due_on_scrapyd_nodes(tmp_path, sandbox_small):
    registry = write_registry(sandbox_small, tmp_path / "registry.csv")
    agencies = load_registry(registry)
    hosts = Counter(h for a in agencies for h in a.hosts)
    chosen = [a.agency_id for a in agencies if all(hosts[h] == 1 for h in a.hosts)][:2]
    (tmp_path / "wf.yaml").write_text(yaml.safe_dump({
        "name": "on-nodes",
        "seeds": {"registry": "registry.csv", "agencies": chosen},
        "render": "never",
        "schedule": "reporting-season",
        "proxy": sandbox_small.proxy_url,
        "settings": TEST_SETTINGS,
    }), encoding="utf-8")
    data = tmp_path / "data"
    cli(["workflow", "apply", str(tmp_path / "wf.yaml")], data, "2027-01-01T00:00:00+08:00")
    with local_nodes(1, tmp_path / "nodes") as nodes:
        deploy = subprocess.run([sys.executable, "-m", "nianbao", "deploy", "--node", nodes[0].url],
                                capture_output=True, text=True, timeout=300, env=env(), cwd=ROOT)
        assert deploy.returncode == 0, deploy.stderr[-3000:]
        out = json.loads(cli(["run-due", "--wait", "--json", "--nodes", nodes[0].url], data,
                             "2027-01-04T09:00:00+08:00"))
    [outcome] = out["workflows"]
    assert outcome["action"] == "started" and outcome["slot"] == "2027-01-04T02:00:00+08:00"
    assert outcome["state"] == "complete", outcome

    db = open_catalog(data)
    [run] = list(db.query("select * from workflow_runs"))
    assert json.loads(run["nodes"]) == [nodes[0].url]
    assert run["report_path"].endswith(f"{run['crawl_id']}/cluster.json")
    seeds = {r[0] for r in db.execute("select agency_id from crawl_seeds where crawl_id like ?",
                                      [run["crawl_id"] + "-p%"])}
    assert seeds == set(chosen)
    assert "ran on 1 node(s)" in run["reason"]


def test_nodes_must_be_urls(tmp_path):
    result = CliRunner().invoke(main, ["run-due", "--data", str(tmp_path), "--nodes", "node1"])
    assert result.exit_code != 0 and "not a Scrapyd URL" in result.output and "node1" in result.output
