"""Concurrency: two crawls of different selections at once into one data directory, indexed
again and again while they write, then Datasette (``nianbao serve``) read while the catalog is
re-indexed from scratch.

Nothing may fail with a lock error, nothing written may be lost (every answer a crawl journaled
is in the catalog under its crawl, every WARC record indexed), both crawl reports must be there,
and the two writers' WARC files must never share a name or a crawl.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from archive.reader import iter_records
from tests.crawler.harness import crawl_command, env, journal, write_registry
from tests.reliability.killing import ROOT, nianbao

pytestmark = pytest.mark.timeout(1200)

ROTATE_AT = 400_000  # bytes: small WARC files, so an index during the crawls has closed ones to read
# what SQLite, flock and the OS say when a writer or reader trips over another one
LOCK_ERRORS = re.compile(r"database (table )?is locked|database is busy|OperationalError|"
                         r"BlockingIOError|Resource temporarily unavailable", re.I)
READER_PATHS = [
    "/catalog/reports.json?_size=50",
    "/catalog/captures.json?_size=50&_sort_desc=captured_at",
    "/catalog.json?sql=select+count(*)+as+n+from+captures",
    "/catalog.json?sql=select+count(*)+as+n+from+documents",
    "/catalog/status_view.json?_size=20",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lock_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if LOCK_ERRORS.search(line)]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - loopback
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def together(tmp_path_factory):
    from sandbox.testing import running_sandbox

    tmp = tmp_path_factory.mktemp("together")
    data = tmp / "data"
    with running_sandbox(seed=1, size="small", faults="none", latency_ms=20) as sb:
        agencies = list(sb.universe.agencies.values())
        hosts = Counter(a.host for a in agencies)
        shared = {a.host for a in agencies if not a.own_site}
        portal = min((h for h in sb.universe.portals if h in shared), key=lambda h: hosts[h])
        selections = {
            "own-sites": [a.id for a in agencies if a.own_site],
            "portal": [a.id for a in agencies if a.host == portal and not a.own_site],
        }
        registry = write_registry(sb, tmp / "registry.csv")
        procs = {}
        for crawl_id, ids in selections.items():
            cmd = crawl_command(registry, data, sb.proxy_url, "--render", "never", "--only",
                                ",".join(ids), "--crawl-id", crawl_id,
                                settings={"NIANBAO_WARC_MAX_SIZE": ROTATE_AT})
            procs[crawl_id] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                               text=True, env=env(), cwd=ROOT)
        index_runs, index_errors = 0, []
        while any(p.poll() is None for p in procs.values()):
            result = subprocess.run([sys.executable, "-m", "nianbao", "index", "--data", str(data),
                                     "--registry", str(registry)], capture_output=True, text=True,
                                    env=env(), cwd=ROOT, timeout=600)
            index_runs += 1
            if result.returncode != 0 or _lock_lines(result.stderr):
                index_errors.append(result.stderr[-2000:])
            time.sleep(0.5)
        outputs = {cid: p.communicate(timeout=600) for cid, p in procs.items()}
        codes = {cid: p.returncode for cid, p in procs.items()}

    # Datasette reading while the whole catalog is rebuilt (--reparse rewrites every document)
    port = _free_port()
    serve_log = tmp / "serve.log"
    with open(serve_log, "w") as log_fh:  # a file, not a pipe: Datasette runs as its child
        server = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", "--data", str(data),
                                   "--port", str(port)], stdout=subprocess.DEVNULL, stderr=log_fh,
                                  env=env(), cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(base + "/-/versions.json")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
            time.sleep(0.3)
        indexer = subprocess.Popen([sys.executable, "-m", "nianbao", "index", "--data", str(data),
                                    "--registry", str(registry), "--reparse"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=env(), cwd=ROOT)
        reads: Counter = Counter()
        bad_reads: list[tuple[str, int, str]] = []
        while indexer.poll() is None or not reads:
            for path in READER_PATHS:
                status, body = _get(base + path)
                reads[status] += 1
                if status != 200:
                    bad_reads.append((path, status, body[:300].decode("utf-8", "replace")))
        index_out, index_err = indexer.communicate(timeout=600)
        final_counts = {}
        for table in ("captures", "documents", "reports"):
            status, body = _get(f"{base}/catalog.json?sql=select+count(*)+as+n+from+{table}&_shape=array")
            assert status == 200, body[:500]
            final_counts[table] = json.loads(body)[0]["n"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # nianbao serve and its Datasette
        server.wait(timeout=60)
    serve_err = serve_log.read_text(errors="replace")
    yield {
        "data": data, "selections": selections, "codes": codes, "outputs": outputs,
        "index_runs": index_runs, "index_errors": index_errors, "reads": reads,
        "bad_reads": bad_reads, "reindex": (indexer.returncode, index_err),
        "final_counts": final_counts, "serve_err": serve_err,
    }


def test_two_crawls_at_once_both_complete_with_reports(together):
    assert together["codes"] == {"own-sites": 0, "portal": 0}, {
        k: err[-2000:] for k, (_, err) in together["outputs"].items()}
    for crawl_id in together["selections"]:
        report = json.loads((together["data"] / "crawls" / crawl_id / "report.json").read_text())
        assert report["complete"] and report["crawl_id"] == crawl_id
        assert report["totals"]["report_pages"] > 0
        log = (together["data"] / "crawls" / crawl_id / "crawl.log").read_text(errors="replace")
        assert _lock_lines(log) == []


def test_warc_names_never_collide(together):
    data = together["data"]
    owner: dict[str, str] = {}
    for crawl_id in together["selections"]:
        report = json.loads((data / "crawls" / crawl_id / "report.json").read_text())
        for name in report["warc_files"]:
            assert name not in owner, f"{name} claimed by {owner.get(name)} and {crawl_id}"
            owner[name] = crawl_id
    files = sorted(p.name for p in (data / "warcs").glob("*.warc.gz"))
    assert set(files) == set(owner) and len(files) >= 4  # rotation made several per crawl
    assert not list((data / "warcs").glob("*.open"))
    for name in files:  # each file's records belong to the crawl whose report lists it
        infos = [r for r in iter_records(data / "warcs" / name) if r.rec_type == "warcinfo"]
        assert len(infos) == 1 and f"crawl-id: {owner[name]}" in infos[0].payload.decode()
    nianbao("archive", "verify", "--data", str(data))


def test_indexing_while_crawls_write_has_no_lock_errors_and_loses_nothing(together):
    assert together["index_runs"] >= 2
    assert together["index_errors"] == []
    import sqlite3

    conn = sqlite3.connect(f"file:{together['data'] / 'catalog.db'}?mode=ro", uri=True)
    captured = {r[0]: r[1] for r in conn.execute("select record_id, crawl_id from captures")}
    warc_records = sum(1 for p in (together["data"] / "warcs").glob("*.warc.gz")
                       for r in iter_records(p) if r.rec_type in ("response", "revisit", "resource"))
    conn.close()
    journaled = {r["record_id"]: crawl_id for crawl_id in together["selections"]
                 for r in journal(together["data"], crawl_id)}
    assert journaled
    assert {rid: c for rid, c in journaled.items() if captured.get(rid) != c} == {}
    assert len(captured) == warc_records


def test_datasette_reads_while_indexing_never_fail(together, reliability_record):
    code, err = together["reindex"]
    assert code == 0 and _lock_lines(err) == [], err[-2000:]
    assert together["bad_reads"] == []
    assert together["reads"][200] >= len(READER_PATHS)
    assert _lock_lines(together["serve_err"]) == []
    import sqlite3

    conn = sqlite3.connect(f"file:{together['data'] / 'catalog.db'}?mode=ro", uri=True)
    direct = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
              for t in together["final_counts"]}
    conn.close()
    assert together["final_counts"] == direct and direct["reports"] > 0
    data = together["data"]
    reliability_record(
        "Concurrent crawls, indexing and readers",
        "two `nianbao crawl` runs of different selections at once into one data dir (WARCs "
        "rotated small), `nianbao index` in a loop while they write, then `nianbao serve` "
        "(Datasette over HTTP) queried in a loop while `nianbao index --reparse` rewrites the "
        "catalog; lock errors looked for in every stderr and crawl log, every journaled answer "
        "looked up in the catalog",
        area="concurrency",
        concurrent_crawls=2, warc_files=len(list((data / "warcs").glob("*.warc.gz"))),
        index_runs_during_crawls=together["index_runs"],
        datasette_reads=sum(together["reads"].values()), failed_reads=len(together["bad_reads"]),
        lock_errors=0, writes_lost=0, warc_name_collisions=0,
    )
