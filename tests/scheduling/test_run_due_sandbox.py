"""run-due really running a workflow: a crawl of the small sandbox started on the fake clock,
its log saved, its run closed and its crawl report registered in the catalog; a missed year
caught up once; a second pass starts nothing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import yaml
from click.testing import CliRunner

from catalog.db import open_catalog
from catalog.registry import load_registry
from nianbao.cli import main
from tests.crawler.harness import TEST_SETTINGS, write_registry


def cli(args: list[str], data: Path, now: str) -> str:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env={"NIANBAO_NOW": now})
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_run_due_crawls_a_due_workflow_into_the_catalog(tmp_path, sandbox_small):
    registry = write_registry(sandbox_small, tmp_path / "registry.csv")
    agencies = load_registry(registry)
    hosts = Counter(h for a in agencies for h in a.hosts)
    # two agencies with a site of their own: a short crawl, and a selection to check
    chosen = [a.agency_id for a in agencies if all(hosts[h] == 1 for h in a.hosts)][:2]
    assert len(chosen) == 2
    (tmp_path / "wf.yaml").write_text(yaml.safe_dump({
        "name": "sandbox-annual",
        "seeds": {"registry": "registry.csv", "agencies": chosen},
        "limits": {"time_limit": "10m"},
        "render": "never",
        "schedule": "annual",
        "proxy": sandbox_small.proxy_url,
        "settings": TEST_SETTINGS,
    }), encoding="utf-8")
    data = tmp_path / "data"
    cli(["workflow", "apply", str(tmp_path / "wf.yaml")], data, "2025-01-10T00:00:00+08:00")

    # the machine was off from early 2025 to March 2027: the 2025 and 2026 slots were missed;
    # one run catches up (for the latest), and it runs to its end
    out = json.loads(cli(["run-due", "--wait", "--json"], data, "2027-03-01T09:00:00+08:00"))
    [outcome] = out["workflows"]
    assert outcome["action"] == "started"
    assert outcome["slot"] == "2026-04-15T02:00:00+08:00"
    assert outcome["state"] == "complete", outcome

    db = open_catalog(data)
    [run] = list(db.query("select * from workflow_runs"))
    assert run["state"] == "complete" and run["ended"]
    crawl = db.execute("select crawl_id, report_path from crawls where crawl_id = ?",
                       [run["crawl_id"]]).fetchone()
    assert crawl is not None, "the run's crawl report is not in the catalog"
    assert crawl[1] == run["report_path"] and Path(crawl[1]).exists()
    seeds = {r[0]: r[1] for r in db.execute(
        "select agency_id, complete from crawl_seeds where crawl_id = ?", [run["crawl_id"]])}
    assert seeds == {a: 1 for a in chosen}
    pages = db.execute("select sum(pages) from crawl_seeds where crawl_id = ?",
                       [run["crawl_id"]]).fetchone()[0]
    assert pages > 0
    log = Path(run["log_path"]).read_text(encoding="utf-8")
    assert f"--crawl-id {run['crawl_id']}" in log and "state complete" in log
    assert (data / "crawls" / run["crawl_id"] / "crawl.log").exists()

    # idempotent: the same slot never starts a second crawl
    again = json.loads(cli(["run-due", "--json"], data, "2027-03-01T10:00:00+08:00"))
    assert again["workflows"][0]["action"] == "not-due"
    assert again["workflows"][0]["next"] == "2027-04-15T02:00:00+08:00"
    assert db.execute("select count(*) from workflow_runs").fetchone()[0] == 1

    listed = json.loads(cli(["workflow", "list", "--json"], data, "2027-03-01T10:00:00+08:00"))
    assert listed[0]["last_run"]["state"] == "complete"
    assert listed[0]["last_run"]["crawl_id"] == run["crawl_id"]
