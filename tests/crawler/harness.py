"""Run ``nianbao crawl`` against an in-process sandbox, as a user would (a subprocess), and read
back what it left: the report, the archive journal, the sandbox's request log.

The crawl runs in a subprocess because Twisted's reactor runs once per process, and because
signals (SIGTERM, SIGKILL) are part of what is tested. Delays are lowered for loopback; the
politeness *rules* (one connection per host, robots, Retry-After) are the production ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

# Fast but still polite on loopback: a small fixed delay per host, no AutoThrottle ramp.
TEST_SETTINGS = {
    "DOWNLOAD_DELAY": 0.02,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 30,  # the sandbox converts DOC/WPS with LibreOffice on first use
    "RETRY_TIMES": 4,
    "BACKOFF_BASE": 0.2,
    "CONCURRENT_REQUESTS": 16,
    # the sandbox is reached through its proxy, which resolves the .test names: the production
    # SSRF guard stays on (literal internal addresses refused); loopback servers need
    # NIANBAO_ADDRESS_ALLOW (tests/reliability/hostile.py)
    "NIANBAO_ADDRESS_GUARD": "production",
}


def write_registry(handle: Any, path: Path) -> Path:
    from sandbox.registry import registry_csv

    path.write_text(registry_csv(handle.universe), encoding="utf-8")
    return path


def crawl_command(registry: Path, data: Path, proxy: str, *extra: str,
                  settings: dict[str, Any] | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "nianbao", "crawl", "--registry", str(registry), "--data",
           str(data), "--proxy", proxy, "--no-progress", "--json", *extra]
    for key, value in {**TEST_SETTINGS, **(settings or {})}.items():
        cmd += ["-s", f"{key}={json.dumps(value)}"]
    return cmd


# An empty tldextract cache, as on a fresh machine: a crawl that would fetch the Public Suffix
# List (Scrapy's cookie middleware does on first use) then shows up as an escape in the sandbox.
_EMPTY_TLDEXTRACT_CACHE = tempfile.mkdtemp(prefix="nianbao-tldextract-")


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["TLDEXTRACT_CACHE"] = _EMPTY_TLDEXTRACT_CACHE
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        e.pop(k, None)
    return e


def run_crawl(registry: Path, data: Path, proxy: str, *extra: str, timeout: float = 240,
              settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run a crawl to its end; the report as JSON (the test fails with the crawl's stderr)."""
    result = subprocess.run(crawl_command(registry, data, proxy, *extra, settings=settings),
                            capture_output=True, text=True, timeout=timeout, env=env(),
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, f"crawl failed ({result.returncode}):\n{result.stderr[-4000:]}"
    return json.loads(result.stdout)


def journal(data: Path, crawl_id: str | None = None) -> list[dict[str, Any]]:
    """Every archived answer (the crawl journal), all crawls or one."""
    rows = []
    pattern = f"{crawl_id}/fetched.jsonl" if crawl_id else "*/fetched.jsonl"
    for path in sorted((data / "crawls").glob(pattern)):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                pass
    return rows


def archived_ok(data: Path) -> set[str]:
    return {r["url"] for r in journal(data) if r["status"] == 200 and not r.get("truncated")}


def visible_truth(handle: Any) -> tuple[list[str], list[str]]:
    """Ground-truth report pages and attachments visible on the sandbox clock, on reachable
    sites (what a crawler can and must find)."""
    pages, files = [], []
    for row in handle.truth():
        if row["visible_as_of"] and row["reachable"]:
            pages.append(row["page_url"])
            files.extend(row["attachment_urls"])
    return pages, files


def overlaps(log: list[dict[str, Any]], tolerance: float) -> list[tuple[str, str, str, float]]:
    """Pairs of requests to one host where the second reached the sandbox, by more than
    ``tolerance`` seconds, before the first's answer began to go out.

    A sequential client cannot ask again before it has the whole answer, which is after the
    sandbox stamped ``answering`` (just before its first write); two requests really in
    flight at once overlap by about the sandbox's latency, which it sleeps before answering.
    The request's ``end`` is no witness: it is stamped once the server thread has the GIL back
    after its last write, which on a busy machine can be after the next request was read."""
    by_host: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in log:
        by_host[entry["host"]].append(entry)
    bad = []
    for host, entries in by_host.items():
        entries.sort(key=lambda e: e["start"])
        for prev, nxt in zip(entries, entries[1:], strict=False):
            busy_until = prev.get("answering") or prev["end"]
            if nxt["start"] < busy_until - tolerance:
                bad.append((host, prev["url"], nxt["url"], round(busy_until - nxt["start"], 4)))
    return bad
