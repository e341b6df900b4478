"""The narrowest kill of a crawl: after an answer is in the WARC, before the journal names it.

The random kills of ``test_kill_resume`` land in this gap only now and then (a CI run once found
a list page archived twice after one did). Here the crawl kills itself exactly there, for a page
and for a document, and the resumed crawl must neither fetch nor archive that answer again:
one record for its URL, the journal naming it, and the dedup index knowing its payload.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter

import pytest

from tests.crawler.harness import crawl_command, env, run_crawl, write_registry
from tests.reliability.killing import ROOT, journal_rows, warc_records

KILL_AFTER = """
import os, signal, sys
import archive.writer as w
target, note = int(os.environ["NB_KILL_AT"]), os.environ["NB_KILL_NOTE"]
original = w.ArchiveWriter.write_exchange
count = [0]
def write_then_die(self, ex):
    loc = original(self, ex)
    count[0] += 1
    if count[0] == target and not ex.url.endswith("/robots.txt"):
        open(note, "w").write(ex.url)
        os.kill(os.getpid(), signal.SIGKILL)
    elif count[0] == target:
        count[0] -= 1  # robots.txt is refetched by design; kill on the next answer
    return loc
w.ArchiveWriter.write_exchange = write_then_die
from nianbao.cli import main
sys.exit(main())
"""


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kill_at", [5, 14])
def test_an_answer_archived_but_not_journaled_is_not_fetched_again(tmp_path, kill_at,
                                                                   reliability_record):
    from sandbox.testing import running_sandbox

    with running_sandbox(seed=1, size="small", faults="none", latency_ms=5) as sb:
        agency = next(a for a in sb.universe.agencies.values() if a.own_site)
        registry = write_registry(sb, tmp_path / "registry.csv")
        data, note = tmp_path / "data", tmp_path / "killed-after.txt"
        base = ["--render", "never", "--only", agency.id]
        cmd = crawl_command(registry, data, sb.proxy_url, *base, "--crawl-id", "k")
        proc = subprocess.run([sys.executable, "-c", KILL_AFTER, *cmd[3:]], cwd=ROOT,
                              env={**env(), "NB_KILL_AT": str(kill_at), "NB_KILL_NOTE": str(note)},
                              capture_output=True, timeout=300)
        assert proc.returncode == -9, proc.stderr.decode()[-3000:]
        url = note.read_text()
        jpath = data / "crawls" / "k" / "fetched.jsonl"
        assert url not in {r["url"] for r in journal_rows(jpath)}, "the kill came too late"

        report = run_crawl(registry, data, sb.proxy_url, *base, "--resume", "k")
        assert report["complete"], report.get("finish_reason")

    records = warc_records(data)
    captures = Counter(r["uri"] for r in records if r["type"] in ("response", "revisit"))
    assert captures[url] == 1, f"{url} archived {captures[url]} times after the kill"
    assert url in {r["url"] for r in journal_rows(jpath)}
    full = [r for r in records if r["type"] == "response"]
    assert not [k for k, n in Counter((r["uri"], r["digest"]) for r in full).items() if n > 1]
    digest = next(r["digest"] for r in records if r["uri"] == url and r["type"] == "response")
    db = sqlite3.connect(data / "indexes" / "dedup.sqlite")
    assert db.execute("select uri from payloads where digest = ?", (digest,)).fetchone()
    db.close()
    rows = [r for r in journal_rows(jpath) if r["url"] == url]
    assert rows[0]["class"] and rows[0]["file"], json.dumps(rows)
    reliability_record(
        f"Kill between archiving and journaling (answer {kill_at})",
        "the crawl SIGKILLs itself right after the WARC write of one answer, before its journal "
        "line; `crawl --resume`; that URL must have one archived capture, a journal row and a "
        "dedup entry",
        area="kill", kills_survived=1, records_lost=0, documents_archived_twice=0,
        killed_after=url,
    )
