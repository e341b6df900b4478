"""A second crawl of an unchanged sandbox, end to end with the real crawler (``nianbao crawl``):
documents already captured are asked for conditionally, their 304s are archived as
``server-not-modified`` revisits pointing at the first capture, pages come back as
identical-payload revisits, the archive grows by a small fraction, the standard tools accept
it, pywb replays the 304 capture with the bytes the sandbox served, and the catalog counts the
document as captured again."""

from __future__ import annotations

import subprocess
import urllib.request

import pytest

from archive.files import closed_warcs
from archive.reader import iter_data_dir, read_record
from archive.replay import ReplayServer
from archive.verify import verify_data_dir
from archive.writer import DEDUP_MIN_SIZE
from tests.crawler.harness import journal, run_crawl, write_registry
from tests.sandbox.http_helpers import get

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
AGENCIES = 4  # enough for pages, PDFs, DOCs and a few CMS families, small enough to be quick


def _pick_agencies(sb) -> list[str]:
    """Agencies with a visible report whose files the sandbox serves as static files."""
    picked: list[str] = []
    for row in sb.truth():
        files = [u for u in row["attachment_urls"] if "downfile.jsp" not in u]
        if row["visible_as_of"] and row["reachable"] and files and row["agency_id"] not in picked:
            picked.append(row["agency_id"])
        if len(picked) == AGENCIES:
            break
    return picked


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory):
    from sandbox.testing import running_sandbox

    tmp = tmp_path_factory.mktemp("recrawl")
    data = tmp / "data"
    with running_sandbox(seed=1, size="small", faults="none") as sb:
        registry = write_registry(sb, tmp / "registry.csv")
        only = ",".join(_pick_agencies(sb))
        static_files = {u for row in sb.truth() for u in row["attachment_urls"]
                        if "downfile.jsp" not in u}
        run_crawl(registry, data, sb.proxy_url, "--crawl-id", "c1", "--only", only)
        first_size = sum(p.stat().st_size for p in closed_warcs(data))
        sb.reset_log()
        run_crawl(registry, data, sb.proxy_url, "--crawl-id", "c2", "--only", only)
        log = sb.state()
        served = {}  # what the sandbox serves for each 304'd URL, to the crawler's Accept-Encoding
        for row in journal(data, "c2"):
            if row["status"] == 304:
                served[row["url"]] = get(sb.proxy_url, row["url"], headers={
                    "Accept-Encoding": "gzip, deflate, br, zstd"}).body
    second_size = sum(p.stat().st_size for p in closed_warcs(data)) - first_size
    return data, log, served, first_size, second_size, static_files


def test_second_crawl_asks_conditionally_and_gets_304s(recrawled):
    data, log, served, *_, static_files = recrawled
    first = {r["url"] for r in journal(data, "c1")
             if r["status"] == 200 and (r["etag"] or r["last_modified"])}
    documents = {r["url"] for r in journal(data, "c2")} & static_files & first
    assert documents, "the second crawl fetched no document captured with validators"
    # every unchanged document file the first crawl captured with validators was a 304;
    # pages are fetched in full (their links are needed), so they are not asked conditionally
    assert documents <= set(served)
    assert set(served) <= static_files
    assert {e["url"] for e in log if e["status"] == 304} == set(served)


def test_304s_are_server_not_modified_revisits_of_the_first_capture(recrawled):
    data, _, served, *_ = recrawled
    firsts = {r["url"]: r for r in journal(data, "c1") if r["status"] == 200}
    records = {rec.record_id: rec for rec in iter_data_dir(data, with_payload=False)
               if rec.rec_type in ("revisit", "request")}
    requests = {rec.header("WARC-Concurrent-To"): rec for rec in records.values()
                if rec.rec_type == "request"}
    for row in journal(data, "c2"):
        if row["status"] != 304:
            continue
        rec = records[row["record_id"]]
        original = firsts[row["url"]]
        assert rec.rec_type == "revisit" and rec.http_status == 304
        assert rec.header("WARC-Profile") == NOT_MODIFIED
        assert rec.header("WARC-Refers-To") == original["record_id"]
        assert rec.header("WARC-Refers-To-Target-URI") == row["url"]
        orig_rec = read_record(data / "warcs" / original["file"], original["offset"])
        assert rec.header("WARC-Refers-To-Date") == orig_rec.date
        assert rec.header("WARC-Payload-Digest") is None   # a 304 has no payload to digest
        # the request record shows the validators the first capture carried
        req = dict((k.lower(), v) for k, v in requests[row["record_id"]].http_headers)
        assert (req.get("if-none-match") == original["etag"] if original["etag"]
                else req.get("if-modified-since") == original["last_modified"])


def test_recrawl_stores_no_payload_twice(recrawled):
    """What the second crawl adds is per-fetch records (revisit, request, metadata), never a
    body already archived: only bodies too small to be worth a revisit are written again."""
    data, *_ = recrawled
    second = {r["record_id"] for r in journal(data, "c2")}
    for rec in iter_data_dir(data, with_payload=True):
        if rec.record_id in second and rec.rec_type == "response":
            assert len(rec.payload) < DEDUP_MIN_SIZE, rec.target_uri


def test_recrawl_grows_the_archive_by_a_small_fraction(recrawled):
    # `make bench` (bench/bench_archive.py) measures this on the whole universe against the
    # 10% target; here a loose bound on a few agencies
    data, _, _, first_size, second_size, _ = recrawled
    fetched = {c: len(journal(data, c)) for c in ("c1", "c2")}
    assert second_size < 0.15 * first_size, (first_size, second_size, fetched)


def test_standard_tools_accept_the_recrawled_archive(recrawled, venv_bin):
    data, *_ = recrawled
    warcs = [str(p) for p in closed_warcs(data)]
    check = subprocess.run([str(venv_bin / "warcio"), "check", *warcs], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout
    theirs = subprocess.run([str(venv_bin / "cdxj-indexer"), "--sort", *warcs],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    ours = sorted(line for p in (data / "indexes").glob("*.cdxj")
                  for line in p.read_text().splitlines())
    assert ours == theirs
    report = verify_data_dir(data)
    assert report.ok, report


def test_pywb_replays_a_304_capture_with_the_bytes_the_sandbox_served(recrawled):
    data, _, served, *_ = recrawled
    rows = [r for r in journal(data, "c2") if r["status"] == 304]
    with ReplayServer(data) as srv:
        for row in rows[:3]:
            rec = read_record(data / "warcs" / row["file"], row["offset"])
            request = urllib.request.Request(srv.url(rec.date, row["url"]),
                                             headers={"Accept-Encoding": "gzip"})
            with DIRECT.open(request) as resp:
                assert resp.status == 200, row["url"]
                assert resp.read() == served[row["url"]], row["url"]


def test_catalog_counts_a_304_as_a_capture_of_the_document(recrawled, tmp_path):
    import shutil

    from catalog.indexer import index_data_dir

    data, *_ = recrawled
    copy = tmp_path / "data"
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("replay"))
    index_data_dir(copy, jobs=1)
    import sqlite_utils

    db = sqlite_utils.Database(copy / "catalog.db")
    rows = list(db.query(
        "select c.url, c.digest, o.digest as original_digest from captures c "
        "join captures o on o.url = c.url and o.status = 200 and o.record_type = 'response' "
        "where c.status = 304"))
    assert rows
    for row in rows:
        assert row["digest"] == row["original_digest"], row["url"]
        assert db.execute("select count(*) from documents where digest = ?",
                          [row["digest"]]).fetchone()[0] == 1
