"""Kill and resume: a crawl and an index SIGKILLed at seeded random moments, then recovered the
way a user would (``nianbao archive repair``, ``nianbao crawl --resume ID``, ``nianbao index``
again), end where an uninterrupted run ends.

Checked after the last recovery: every WARC passes ``nianbao archive verify`` and ``warcio
check``; every record the crawl journal named at any kill is still in the archive at that
place; no payload is archived twice in full for one URL; the catalog (reports, their tables and
checks, parsed documents, status) equals the catalog of an uninterrupted crawl and index.

``NIANBAO_KILLS`` sets how many kills (default 20, ``make soak`` more), ``NIANBAO_KILL_SEED``
the seed of the moments.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.reader import read_record
from tests.crawler.harness import crawl_command, env, run_crawl, write_registry
from tests.reliability.killing import (
    ROOT,
    catalog_snapshot,
    differences,
    duplicate_payloads,
    journal_rows,
    kill_when,
    nianbao,
    start,
    warc_records,
)

KILLS = int(os.environ.get("NIANBAO_KILLS", "20"))
SEED = int(os.environ.get("NIANBAO_KILL_SEED", "2026"))
AS_OF = "2026-06-30"
CRAWL_SHARE = 0.6  # of the kills, the rest go to the index
pytestmark = pytest.mark.timeout(900 + 60 * KILLS)  # each kill costs a restart


def _status(data: Path) -> list[dict]:
    return json.loads(nianbao("status", "--data", str(data), "--as-of", AS_OF, "--format", "json").stdout)


def _report_pages(data: Path, crawl_id: str) -> set[str]:
    report = json.loads((data / "crawls" / crawl_id / "report.json").read_text(encoding="utf-8"))
    return {p["url"] for s in report["seeds"] for p in s["report_pages"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """An uninterrupted crawl + index, and the same crawl + index killed and recovered."""
    from sandbox.testing import running_sandbox

    tmp = tmp_path_factory.mktemp("kill")
    rng = random.Random(SEED)
    crawl_kills = max(1, round(KILLS * CRAWL_SHARE))
    index_kills = max(2, KILLS - crawl_kills)
    with running_sandbox(seed=1, size="small", faults="none", latency_ms=20) as sb:
        # the bodies with their own sites: three hosts crawled side by side, every format
        only = ",".join(a.id for a in sb.universe.agencies.values() if a.own_site)
        registry = write_registry(sb, tmp / "registry.csv")
        ref, killed = tmp / "uninterrupted", tmp / "killed"
        base = ["--render", "never", "--only", only]

        run_crawl(registry, ref, sb.proxy_url, *base, "--crawl-id", "ref")
        expected_rows = len(journal_rows(ref / "crawls" / "ref" / "fetched.jsonl"))
        t0 = time.monotonic()
        nianbao("index", "--data", str(ref), "--registry", str(registry))
        index_s = time.monotonic() - t0

        # -- the crawl, killed again and again -------------------------------------------------
        jpath = killed / "crawls" / "k" / "fetched.jsonl"
        marker = killed / "crawls" / "k" / "RUNNING"
        # each kill lets the crawl archive at most ``step`` more answers, so all the planned kills
        # fit in one crawl's work even on a fast machine (a crawl that runs out of work can no
        # longer be killed: CI's quieter machine once ran out after 11 of 12)
        step = max(2, expected_rows // (2 * crawl_kills))
        moments: list[str] = []
        at_kill: list[dict] = []  # journal rows as they stood at each kill
        repaired = 0
        attempts = 0
        while len(moments) < crawl_kills and attempts < 3 * crawl_kills:
            attempts += 1
            extra = ["--crawl-id", "k"] if attempts == 1 else ["--resume", "k"]
            proc = start(crawl_command(registry, killed, sb.proxy_url, *base, *extra))
            if rng.random() < 0.5:
                have = len(journal_rows(jpath))
                target = have + rng.randint(1, step)
                moment = f"after {target} archived answers"

                def ready(target: int = target) -> bool:
                    return jpath.exists() and jpath.read_bytes().count(b"\n") >= target
            else:
                delay = rng.uniform(0.0, 2.0)
                moment = f"{delay:.2f} s after start-up (or {step} answers)"
                seen: list[float] = []
                limit = len(journal_rows(jpath)) + step

                def ready(delay: float = delay, seen: list[float] = seen, pid: int = proc.pid,
                          limit: int = limit) -> bool:
                    if jpath.exists() and jpath.read_bytes().count(b"\n") >= limit:
                        return True  # whichever comes first: the delay or ``step`` answers
                    if not seen:
                        try:
                            if marker.read_text().split()[0] == str(pid):
                                seen.append(time.monotonic())
                        except (OSError, IndexError):
                            pass
                        return False
                    return time.monotonic() - seen[0] >= delay
            if kill_when(proc, ready):
                moments.append(f"crawl: {moment}")
                at_kill.extend(journal_rows(jpath))
                out = nianbao("archive", "repair", "--data", str(killed)).stdout
                repaired += out.count("\n") if "nothing to repair" not in out else 0
        report = run_crawl(registry, killed, sb.proxy_url, *base, "--resume", "k")
        assert report["complete"], report.get("finish_reason")

    # -- the index: killed right before it rebuilds reports (its first run, so every document
    # it parsed is new), then killed at random moments while re-parsing everything, then run
    # to its end the plain way, which must still rebuild what the killed runs owed ------------
    index_cmd = [sys.executable, "-m", "nianbao", "index", "--data", str(killed), "--registry", str(registry)]
    before_rebuild = [sys.executable, "-c",
                      "import os, signal, catalog.indexer as ix\n"
                      "ix.build_reports = lambda db: os.kill(os.getpid(), signal.SIGKILL)\n"
                      "from nianbao.cli import main\nmain()", *index_cmd[3:]]
    code = subprocess.run(before_rebuild, capture_output=True, env=env(), cwd=ROOT,
                          timeout=600).returncode
    assert code == -9, f"the index was to be killed right before rebuilding reports (exit {code})"
    index_moments = ["index: right before rebuilding reports"]
    attempts = 0
    while len(index_moments) < index_kills and attempts < 3 * index_kills:
        attempts += 1
        delay = rng.uniform(0.05, 0.9) * index_s
        proc = start([*index_cmd, "--reparse"])
        t0 = time.monotonic()
        if kill_when(proc, lambda d=delay, t=t0: time.monotonic() - t >= d):
            index_moments.append(f"index --reparse: {delay:.2f} s in")
    nianbao("index", "--data", str(killed), "--registry", str(registry))

    yield {
        "ref": ref, "killed": killed, "moments": moments + index_moments,
        "crawl_kills": len(moments), "index_kills": len(index_moments), "at_kill": at_kill,
        "repaired": repaired, "ref_status": _status(ref), "killed_status": _status(killed),
    }
    shutil.rmtree(tmp, ignore_errors=True)


def test_enough_kills_happened(runs):
    assert runs["crawl_kills"] + runs["index_kills"] >= KILLS, runs["moments"]
    assert runs["crawl_kills"] >= 1 and runs["index_kills"] >= 2


def test_every_warc_verifies(runs):
    data = runs["killed"]
    warcs = sorted((data / "warcs").glob("*.warc.gz"))
    assert warcs and not list((data / "warcs").glob("*.open"))
    nianbao("archive", "verify", "--data", str(data))
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *map(str, warcs)],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]


def _lost(runs) -> list[tuple]:
    """Records the journal named at some kill that are no longer where it said."""
    data = runs["killed"]
    rows = {(r["file"], r["offset"]): r for r in runs["at_kill"]}
    lost = []
    for (name, offset), row in rows.items():
        try:
            rec = read_record(data / "warcs" / name, int(offset))
        except (OSError, ValueError) as exc:
            lost.append((name, offset, row["url"], str(exc)))
            continue
        if rec.header("WARC-Target-URI") != row["url"]:
            lost.append((name, offset, row["url"], rec.header("WARC-Target-URI")))
    return lost


def test_no_record_archived_before_a_kill_is_lost(runs):
    assert runs["at_kill"], "no crawl kill came after an archived answer"
    assert _lost(runs) == []


def test_no_document_is_archived_twice(runs):
    records = warc_records(runs["killed"])
    assert [r for r in records if r["type"] == "response"]
    assert duplicate_payloads(records) == []


def test_crawl_report_covers_what_the_uninterrupted_crawl_found(runs):
    assert _report_pages(runs["killed"], "k") == _report_pages(runs["ref"], "ref")


def test_catalog_equals_the_uninterrupted_runs(runs, reliability_record):
    ref = catalog_snapshot(runs["ref"], runs["ref_status"])
    killed = catalog_snapshot(runs["killed"], runs["killed_status"])
    assert ref["reports"] and ref["status"]
    assert differences(ref, killed) == {}
    records = warc_records(runs["killed"])
    assert _lost(runs) == [] and duplicate_payloads(records) == []
    reliability_record(
        "Kill and resume (crawl and index)",
        "SIGKILL of `nianbao crawl` and `nianbao index` (whole process group) at seeded random "
        "moments (after N archived answers, seconds after start-up, right before reports are rebuilt, "
        "seconds into a re-index); `archive repair`, `crawl --resume`, `index` again; then "
        "`archive verify` + `warcio check`, journal records at each kill still in place, no "
        "payload archived twice, catalog compared with an uninterrupted run's",
        area="kill",
        kills_survived=runs["crawl_kills"] + runs["index_kills"],
        crawl_kills=runs["crawl_kills"], index_kills=runs["index_kills"],
        seed=SEED, warc_records=len(records),
        records_checked_after_kills=len({(r["file"], r["offset"]) for r in runs["at_kill"]}),
        records_lost=0, documents_archived_twice=0,
        reports_compared=len(ref["reports"]), status_rows_compared=len(ref["status"]),
        catalog_differences=0,
    )
