"""The whole pipeline on the sandbox, as a user runs it: crawl history → archive → index →
status, scored against the sandbox's ground truth (issue 6's acceptance: the medium world,
168 agencies and 1,848 expected reports, faults "some"; ``NIANBAO_E2E_SIZE=small`` for a quick
run).

A watchdog crawls on deadline days and mid-year; the sandbox's clock moves with it and the
crawls record that simulated day. Status must equal what those crawls could prove for every
(agency, year), no agency the sandbox made unreachable or challenged may be ``missing``, every
late report's days must be right ±1, and the WARCs must verify.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.verify import verify_data_dir
from sandbox.observable import score
from tests.crawler.harness import crawl_command, env, write_registry

CRAWL_DAYS = [dt.date(2026, 1, 31), dt.date(2026, 3, 31), dt.date(2026, 6, 30)]
ROOT = Path(__file__).resolve().parents[2]
SIZE = os.environ.get("NIANBAO_E2E_SIZE", "medium")
# three crawls of the medium world, the sandbox drawing and converting every document once:
# about 8 minutes on two cores (all of it in the fixture, which the first test's timeout counts)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


def nianbao(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True,
                            text=True, timeout=600, env=env(), cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    from sandbox.testing import running_sandbox

    data = tmp_path_factory.mktemp("e2e")
    with running_sandbox(seed=3, size=SIZE, faults="some", latency_ms=2,
                         as_of=CRAWL_DAYS[0].isoformat()) as sb:
        registry = write_registry(sb, data / "registry.csv")
        for day in CRAWL_DAYS:
            sb.set_clock(day)
            cmd = crawl_command(registry, data, sb.proxy_url, "--simulated-date", day.isoformat())
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env(),
                                    cwd=ROOT)
            assert result.returncode == 0, result.stderr[-3000:]
        truth = sb.truth(CRAWL_DAYS[-1])
        log = sb.state()
    nianbao("index", "--data", str(data), "--registry", str(registry))
    status = json.loads(nianbao("status", "--data", str(data), "--as-of",
                                CRAWL_DAYS[-1].isoformat(), "--format", "json").stdout)
    return data, truth, status, log


def test_status_is_what_the_crawls_could_prove(pipeline):
    _, truth, status, _ = pipeline
    result = score(status, truth, CRAWL_DAYS, CRAWL_DAYS[-1])
    assert result["compared"] == len(truth)
    assert result["agree_provable"] >= 0.99 * result["compared"], result["mismatches"][:10]
    assert result["late_days_within_1"] == result["late_compared"]


def test_withdrawn_changed_and_backdated_reports_are_flagged(pipeline):
    _, truth, status, _ = pipeline
    result = score(status, truth, CRAWL_DAYS, CRAWL_DAYS[-1])
    assert result["flags_expected"] > 0, "the sandbox world should withdraw or edit something"
    assert result["flag_misses"] == [], result["flag_misses"][:10]


def test_no_unreachable_or_challenged_agency_is_called_missing(pipeline):
    _, truth, status, _ = pipeline
    blocked = {t["agency_id"] for t in truth if not t["reachable"]}
    assert blocked, "the sandbox's 'some' faults should block at least one agency"
    assert not [s for s in status if s["agency_id"] in blocked and s["status"] == "missing"]


def test_every_status_of_a_found_report_cites_a_warc_record(pipeline):
    data, _, status, _ = pipeline
    found = [s for s in status if s["status"] in ("on_time", "late")]
    assert found
    for s in found:
        assert s["evidence"] and (data / "warcs" / s["evidence"]["warc_file"]).exists()


def test_archive_verifies_and_nothing_left_the_machine(pipeline):
    data, _, _, log = pipeline
    report = verify_data_dir(data)
    assert report.ok, report.problems[:10]
    assert not [e for e in log if e.get("escape")]
