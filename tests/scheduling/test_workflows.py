"""Workflows as a user defines them: YAML applied, options, checks with errors naming the file
and the field, list with next/last run, pause and resume on a fake clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import main

REGISTRY = """agency_id,name,region_code,level,kind,portal_url,report_url,render
320800-gov,淮安市人民政府,320800,city,government,http://www.huaian.test/,,auto
320813-gov,洪泽区人民政府,320813,county,government,http://www.hongze.test/,,auto
320813-mzj,洪泽区民政局,320813,county,department,http://mzj.hongze.test/,,auto
330411-gov,秀洲区人民政府,330411,county,government,http://www.xiuzhou.test/,,auto
"""

WORKFLOW = """name: jiangsu-counties
description: Jiangsu county governments after each deadline
seeds:
  registry: reg/agencies.csv
  regions: ["32"]
  levels: [county]
  kinds: [government]
scope:
  include: ['^http://files\\.hongze\\.test/']
  exclude: ['/english/']
  max_depth: 6
limits:
  max_pages: 500
  time_limit: 2h
schedule: after-deadlines
"""


@pytest.fixture
def env(tmp_path):
    (tmp_path / "reg").mkdir()
    (tmp_path / "reg" / "agencies.csv").write_text(REGISTRY, encoding="utf-8")
    return tmp_path


def cli(args: list[str], data: Path, now: str = "2027-01-10T00:00:00+08:00", ok: bool = True):
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env={"NIANBAO_NOW": now})
    if ok:
        assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def listing(data: Path, now: str) -> dict[str, dict]:
    return {w["name"]: w for w in json.loads(cli(["workflow", "list", "--json"], data, now).output)}


def test_apply_yaml_stores_the_workflow_and_list_shows_its_schedule(env):
    path = env / "wf.yaml"
    path.write_text(WORKFLOW, encoding="utf-8")
    out = cli(["workflow", "apply", str(path)], env / "data").output
    assert "created workflow jiangsu-counties" in out
    row = listing(env / "data", "2027-01-10T00:00:00+08:00")["jiangsu-counties"]
    d = row["definition"]
    # the registry path is taken relative to the YAML file, not to the current directory
    assert d["seeds"]["registry"] == str((env / "reg" / "agencies.csv").resolve())
    assert row["agencies"] == 1  # Jiangsu, county level, government: 洪泽区人民政府 only
    assert d["scope"] == {"include": ["^http://files\\.hongze\\.test/"], "exclude": ["/english/"],
                          "max_depth": 6}
    assert d["limits"] == {"max_pages": 500, "time_limit": 7200.0, "max_bytes": 0}
    assert row["next_run"] == "2027-02-01T02:00:00+08:00"
    assert row["last_run"] is None and row["paused"] is False
    # applying again updates in place (one workflow, same name)
    path.write_text(WORKFLOW.replace("max_pages: 500", "max_pages: 900"), encoding="utf-8")
    assert "updated workflow jiangsu-counties" in cli(["workflow", "apply", str(path)],
                                                      env / "data").output
    rows = listing(env / "data", "2027-01-10T00:00:00+08:00")
    assert list(rows) == ["jiangsu-counties"]
    assert rows["jiangsu-counties"]["definition"]["limits"]["max_pages"] == 900


@pytest.mark.parametrize("change, field, says", [
    (("max_depth: 6", "max_depth: -1"), "scope.max_depth", "whole number"),
    (("levels: [county]", "levels: [village]"), "seeds.levels", "village"),
    (("schedule: after-deadlines", "schedule: every tuesday"), "schedule", "cron expression"),
    (("time_limit: 2h", "time_limit: soon"), "limits.time_limit", "duration"),
    (("exclude: ['/english/']", "exclude: ['(unclosed']"), "scope.exclude", "bad regex"),
    (("registry: reg/agencies.csv", "registry: reg/nope.csv"), "seeds.registry", "nope.csv"),
    (("regions: [\"32\"]", "regions: [\"44\"]"), "seeds", "matches no agency"),
    (("limits:", "limit:"), "limit", "unknown field"),
])
def test_a_bad_workflow_names_the_file_and_the_field(env, change, field, says):
    path = env / "bad.yaml"
    path.write_text(WORKFLOW.replace(*change), encoding="utf-8")
    result = cli(["workflow", "apply", str(path)], env / "data", ok=False)
    assert result.exit_code != 0
    assert str(path) in result.output and "jiangsu-counties" in result.output
    assert f"'{field}'" in result.output and says in result.output
    assert "Traceback" not in result.output


def test_yaml_that_does_not_parse_names_the_file(env):
    path = env / "broken.yaml"
    path.write_text("name: x\nseeds: [registry: \n", encoding="utf-8")
    result = cli(["workflow", "apply", str(path)], env / "data", ok=False)
    assert result.exit_code != 0
    assert f"{path}: not valid YAML" in result.output


def test_add_edit_remove_with_options(env):
    data = env / "data"
    reg = str(env / "reg" / "agencies.csv")
    cli(["workflow", "add", "weekly", "--registry", reg, "--agency", "320813-mzj",
         "--schedule", "0 3 * * 1", "--timezone", "UTC", "-s", "DOWNLOAD_DELAY=2"], data)
    bad = cli(["workflow", "add", "weekly2", "--registry", reg, "--agency", "999-none"], data,
              ok=False)
    assert bad.exit_code != 0 and "'seeds.agencies'" in bad.output and "999-none" in bad.output
    cli(["workflow", "edit", "weekly", "--max-pages", "50", "--schedule", "annual"], data)
    row = listing(data, "2027-01-10T00:00:00Z")["weekly"]
    assert row["definition"]["limits"]["max_pages"] == 50
    assert row["definition"]["settings"] == {"DOWNLOAD_DELAY": 2}
    assert row["schedule"] == "annual" and row["next_run"] == "2027-04-15T02:00:00+00:00"
    cli(["workflow", "remove", "weekly"], data)
    assert listing(data, "2027-01-10T00:00:00Z") == {}
    gone = cli(["workflow", "pause", "weekly"], data, ok=False)
    assert gone.exit_code != 0 and "no workflow named 'weekly'" in gone.output


def test_pause_skips_slots_and_resume_does_not_replay_them(env):
    """Paused over 1 February: run-due starts nothing and records nothing; resumed on
    10 February, the paused slot is not replayed and the next run is 15 February."""
    data = env / "data"
    path = env / "wf.yaml"
    path.write_text(WORKFLOW, encoding="utf-8")
    cli(["workflow", "apply", str(path)], data, now="2027-01-10T00:00:00+08:00")
    cli(["workflow", "pause", "jiangsu-counties"], data, now="2027-01-20T00:00:00+08:00")
    row = listing(data, "2027-02-01T03:00:00+08:00")["jiangsu-counties"]
    assert row["paused"] is True and row["next_run"] == "paused"
    out = json.loads(cli(["run-due", "--json", "--now", "2027-02-01T03:00:00+08:00"], data).output)
    assert [(o["workflow"], o["action"]) for o in out["workflows"]] == [
        ("jiangsu-counties", "paused")]
    cli(["workflow", "resume", "jiangsu-counties"], data, now="2027-02-10T00:00:00+08:00")
    out = json.loads(cli(["run-due", "--json", "--now", "2027-02-10T00:05:00+08:00"], data).output)
    assert out["workflows"][0]["action"] == "not-due"
    assert out["workflows"][0]["next"] == "2027-02-15T02:00:00+08:00"
    runs = json.loads(cli(["workflow", "runs", "--json"], data).output)
    assert runs == []
    row = listing(data, "2027-02-15T02:30:00+08:00")["jiangsu-counties"]
    assert row["paused"] is False
    assert row["next_run"] == "due now (slot 2027-02-15T02:00:00+08:00)"


def test_the_shipped_example_applies(tmp_path):
    example = Path(__file__).resolve().parents[2] / "deploy" / "workflows.example.yaml"
    out = cli(["workflow", "apply", str(example)], tmp_path / "data").output
    assert out.count("created workflow") == 3
    rows = listing(tmp_path / "data", "2027-01-10T00:00:00+08:00")
    assert rows["jiangsu-governments-season"]["agencies"] == 1
    assert rows["jiangsu-governments-season"]["next_run"] == "2027-01-11T02:00:00+08:00"
    assert rows["examples-monthly-watch"]["next_run"] == "paused"


def test_a_changed_schedule_counts_from_the_change(env):
    """Switching an annual workflow to a weekly cron on a Wednesday does not fire at once for
    the Monday that passed before the change."""
    data = env / "data"
    reg = str(env / "reg" / "agencies.csv")
    cli(["workflow", "add", "w", "--registry", reg, "--schedule", "annual", "--timezone", "UTC"],
        data, now="2027-01-10T00:00:00Z")
    cli(["workflow", "edit", "w", "--schedule", "0 3 * * 1"], data, now="2027-01-20T00:00:00Z")
    assert listing(data, "2027-01-20T01:00:00Z")["w"]["next_run"] == "2027-01-25T03:00:00+00:00"
