"""The issue's acceptance run: the MEDIUM universe with faults ``some``, crawled as a user would
(``nianbao crawl``, JavaScript rendered where needed), judged against the sandbox's ground truth
and its request log:

* ≥ 99% of the published report pages and attachments on reachable sites are archived —
  including those behind script pagination, JS-only lists, per-body sub-columns and GBK sites;
* nothing robots.txt disallows is fetched, the mirror is never fetched, nothing escapes;
* never two requests in flight to one host;
* the challenged agency is marked ``challenged``, and no other seed is marked for it.

It takes minutes (thousands of requests); delays are lowered for loopback, the politeness rules
are the production ones.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest

from sandbox.universe import MIRROR_HOST
from tests.crawler.harness import archived_ok, overlaps, run_crawl, write_registry

# In `make test` (about 2.5 min on a quiet machine) and in `make acceptance`. It was left out of
# `make test` for a while because its one-connection-per-host check failed now and then under
# load: that was a real race in Scrapy's downloader, fixed in crawler.politeness._SlotQueue.
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(3600)]

LATENCY_MS = 60  # two requests in flight to one host would overlap by about this much


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    from sandbox.testing import running_sandbox

    tmp = tmp_path_factory.mktemp("medium")
    with running_sandbox(seed=1, size="medium", faults="some", latency_ms=LATENCY_MS) as sb:
        registry = write_registry(sb, tmp / "registry.csv")
        report = run_crawl(registry, tmp / "data", sb.proxy_url, timeout=3600)
        yield sb, tmp / "data", report, sb.state()


def _wanted(sb) -> tuple[list[str], list[str], list[dict]]:
    rows = [r for r in sb.truth() if r["visible_as_of"] and r["reachable"]]
    return [r["page_url"] for r in rows], [f for r in rows for f in r["attachment_urls"]], rows


def test_finds_99_percent_of_published_reports_and_attachments(medium):
    sb, data, report, _ = medium
    pages, files, rows = _wanted(sb)
    u = sb.universe
    families = {u.portals[urlsplit(p).hostname].family for p in pages if urlsplit(p).hostname in u.portals}
    encodings = {u.portals[urlsplit(p).hostname].encoding for p in pages if urlsplit(p).hostname in u.portals}
    assert {"trs", "hanweb", "gd", "static"} <= families and "gbk" in encodings  # the hard cases are in it
    assert len(pages) > 1000 and len(files) > 500
    got = archived_ok(data)
    missed_pages = [p for p in pages if p not in got]
    missed_files = [f for f in files if f not in got]
    assert len(missed_pages) <= 0.01 * len(pages), missed_pages[:20]
    assert len(missed_files) <= 0.01 * len(files), missed_files[:20]
    # and per family: no CMS family may hide its reports (a 1% overall could hide one family)
    by_family = Counter(u.portals[urlsplit(p).hostname].family for p in missed_pages)
    total_family = Counter(u.portals[urlsplit(p).hostname].family for p in pages)
    assert all(by_family[f] <= 0.02 * n for f, n in total_family.items()), by_family
    assert report["complete"] and report["stopped_by"] is None


def test_nothing_disallowed_mirrored_or_escaped_is_fetched(medium):
    _, _, report, log = medium
    assert [e["url"] for e in log if e["robots_disallowed"]] == []
    assert [e["url"] for e in log if e["host"] == MIRROR_HOST] == []
    assert [e["url"] for e in log if e["escape"]] == []
    assert report["totals"]["robots_disallowed"] > 0  # disallowed links were seen and refused


def test_never_two_requests_in_flight_to_one_host(medium):
    _, _, _, log = medium
    assert len({e["host"] for e in log}) >= 15
    # see test_crawl_sandbox: half the latency separates sequential from parallel requests
    assert overlaps(log, tolerance=LATENCY_MS / 2000) == []


def test_challenged_agencies_are_marked_and_only_they(medium):
    sb, _, report, log = medium
    plan = sb.plan
    assert {e["fault"] for e in log if e["fault"]} & {"412", "521"}  # a challenge was served
    seeds = {s["agency_id"]: s for s in report["seeds"]}
    blocked_hosts = {h for h in plan.permanent}
    marked = {aid for aid, s in seeds.items() if s["status"] in ("challenged", "blocked", "unreachable")}
    expected = {a.id for a in sb.universe.agencies.values() if a.host in blocked_hosts}
    assert expected and marked == expected
    # everyone else saw their own sites; transient faults were retried through
    others = [s for aid, s in seeds.items() if aid not in expected]
    assert all(s["status"] == "complete" for s in others), \
        [(s["agency_id"], s["status"], s["response_classes"]) for s in others if s["status"] != "complete"]
