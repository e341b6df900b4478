"""Limits stop a crawl where asked and say so; a document over the size limit is archived
truncated, not dropped; ``scrapy crawl portal`` works as Scrapy users expect; earlier
captures' validators turn into conditional requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from scrapy import Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.conditional import ConditionalRequestMiddleware
from tests.crawler.harness import (
    archived_ok,
    env,
    journal,
    run_crawl,
    visible_truth,
    write_registry,
)

ROOT = Path(__file__).resolve().parents[2]


def _static_body(sb) -> str:
    portal = next(p for p in sb.universe.portals.values() if p.family == "static")
    return next(a.id for a in sb.universe.agencies.values() if a.host == portal.host)


def test_page_limit_stops_and_big_documents_are_truncated_not_dropped(tmp_path, sandbox_small):
    registry = write_registry(sandbox_small, tmp_path / "registry.csv")
    data = tmp_path / "data"
    report = run_crawl(registry, data, sandbox_small.proxy_url, "--render", "never",
                       "--only", _static_body(sandbox_small), "--max-pages", "20",
                       settings={"NIANBAO_MAX_DOCUMENT_BYTES": 20000})
    assert report["stopped_by"] == "max_pages" and not report["complete"]
    assert all(s["status"] == "partial" for s in report["seeds"])
    rows = journal(data)
    assert 20 <= len(rows) <= 20 + 16 + 1  # requests handed to the downloader (≤ CONCURRENT_REQUESTS) finish, plus robots.txt
    cut = [r for r in rows if r.get("truncated") == "length"]
    assert cut, "no document was over 20 kB"
    truncated_in_warc = set()
    for path in (data / "warcs").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_headers.get_header("WARC-Truncated") == "length":
                    truncated_in_warc.add(rec.rec_headers.get_header("WARC-Target-URI"))
    assert {r["url"] for r in cut} <= truncated_in_warc


def test_time_limit_stops_the_crawl_and_says_so(tmp_path, sandbox_small):
    registry = write_registry(sandbox_small, tmp_path / "registry.csv")
    data = tmp_path / "data"
    # 0.3 s between two requests to a host: the whole universe takes far longer than 4 s
    report = run_crawl(registry, data, sandbox_small.proxy_url, "--render", "never",
                       "--time-limit", "4", settings={"DOWNLOAD_DELAY": 0.3})
    assert report["stopped_by"] == "time_limit" and not report["complete"]
    assert {s["stopped_by"] for s in report["seeds"]} == {"time_limit"}
    assert all(s["status"] in ("partial", "not_crawled") for s in report["seeds"])
    pages, files = visible_truth(sandbox_small)
    got = archived_ok(data)
    assert got and len(got & set(pages + files)) < len(pages + files)


def test_max_bytes_stops_the_crawl_and_says_so(tmp_path, sandbox_small):
    registry = write_registry(sandbox_small, tmp_path / "registry.csv")
    data = tmp_path / "data"
    report = run_crawl(registry, data, sandbox_small.proxy_url, "--render", "never",
                       "--max-bytes", "300000")
    assert report["stopped_by"] == "max_bytes" and not report["complete"]
    assert all(s["status"] in ("partial", "not_crawled") for s in report["seeds"])
    items = [json.loads(line) for line in
             (data / "crawls" / report["crawl_id"] / "items.jsonl").read_text().splitlines()]
    fetched = sum(it.get("bytes", 0) for it in items)
    assert fetched >= 300000  # the limit was really reached, not guessed
    pages, files = visible_truth(sandbox_small)
    assert len(archived_ok(data) & set(pages + files)) < len(pages + files)


def test_per_host_cap_leaves_the_host_and_names_the_cap(tmp_path, sandbox_small):
    registry = write_registry(sandbox_small, tmp_path / "registry.csv")
    data = tmp_path / "data"
    body = _static_body(sandbox_small)
    host = sandbox_small.universe.agencies[body].host
    sandbox_small.reset_log()
    report = run_crawl(registry, data, sandbox_small.proxy_url, "--render", "never",
                       "--only", body, settings={"NIANBAO_MAX_PAGES_PER_HOST": 12})
    log = [e for e in sandbox_small.state() if e["host"] == host]
    assert 12 <= len(log) <= 12 + 1  # the cap, plus robots.txt
    assert report["stopped_by"] is None  # the crawl itself ran to its end …
    seed = next(s for s in report["seeds"] if s["agency_id"] == body)
    assert seed["status"] == "partial" and seed["stopped_by"] == "max_pages_per_host"  # … this seed did not
    assert seed["limited"] > 0 and seed["failures"] == 0
    assert report["totals"]["capped_hosts"].get(host, 0) == seed["limited"]


def test_scrapy_crawl_portal_works(tmp_path, sandbox_small):
    registry = write_registry(sandbox_small, tmp_path / "registry.csv")
    data = tmp_path / "data"
    e = dict(env(), http_proxy=sandbox_small.proxy_url,
             PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"registry={registry}",
         "-a", f"only={_static_body(sandbox_small)}", "-a", "render=never", "-a", "max_pages=15",
         "-s", f"NIANBAO_DATA_DIR={data}", "-s", "DOWNLOAD_DELAY=0.02", "-s", "LOG_LEVEL=WARNING"],
        capture_output=True, text=True, env=e, cwd=ROOT, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    (report_path,) = (data / "crawls").glob("*/report.json")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["stopped_by"] == "max_pages" and report["warc_files"]


def test_conditional_requests_for_documents_captured_before(tmp_path):
    old = tmp_path / "crawls" / "earlier"
    old.mkdir(parents=True)
    (old / "fetched.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"url": "http://a.test/r.pdf", "status": 200, "etag": '"v1"', "last_modified": "Mon, 01 Jan 2024 00:00:00 GMT"},
        {"url": "http://a.test/cut.pdf", "status": 200, "etag": '"x"', "truncated": "length"},
        {"url": "http://a.test/list.html", "status": 200, "etag": '"p"'},
    ]) + "\n{torn", encoding="utf-8")
    crawler = get_crawler(settings_dict={"NIANBAO_DATA_DIR": str(tmp_path), "NIANBAO_CRAWL_ID": "now"})
    mw = ConditionalRequestMiddleware.from_crawler(crawler)
    mw.spider_opened(None)

    def req(url, role):
        r = Request(url, meta={"nb": {"role": role}})
        mw.process_request(r)
        return r.headers

    h = req("http://a.test/r.pdf", "attachment")
    assert h[b"If-None-Match"] == b'"v1"' and h[b"If-Modified-Since"].startswith(b"Mon, 01 Jan 2024")
    assert b"If-None-Match" not in req("http://a.test/cut.pdf", "attachment")  # never from a cut body
    assert b"If-None-Match" not in req("http://a.test/list.html", "report")  # pages: always in full
