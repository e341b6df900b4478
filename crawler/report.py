"""The crawl report: per seed (agency) what was seen, like Heritrix's seeds report.

``crawls/<id>/report.json`` holds, per seed: a status (``complete``, ``partial``,
``challenged``, ``blocked``, ``rate_limited``, ``unreachable``, ``not_found``, ``not_crawled``),
pages and documents fetched, report pages and look-alikes (interpretations, notices) with
titles, attachments, response classes, hosts, out-of-scope counts by rule, robots refusals,
failures, the limit that stopped it (the crawl's, or ``max_pages_per_host`` when one of its hosts
hit the per-host cap: the pages refused are counted as ``limited``), and the WARC files
written; per crawl, the hosts that hit the cap (``totals.capped_hosts``) and the failed
attempts that were retried, by class (``totals.retried``, summed over resumed runs). The catalog reads it to
tell *missing* (the site was fully seen and has no report) from *unverified* (it could not be).

Every spider item is also appended to ``crawls/<id>/items.jsonl`` as it happens, and the report
is rebuilt from that file, so a resumed crawl (even after ``kill -9``) reports the union of its
runs; items are keyed by URL, the latest answer wins. Answers are credited to agencies by host
and report pages by title, not by which seed's request happened to find them first, so every
body sharing a portal is reported with that portal's answers; answers from another agency's own
site (a department's site linked from its county's portal) are listed under ``linked_sites``
and never change the status of the seed that reached them (see :func:`build_report`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals

from crawler import classify as rc

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

REPORT_KINDS = ("annual_report", "interpretation", "notice")
HOST_CAP = "max_pages_per_host"  # a seed's stopped_by when a host of its hit the per-host cap
LIMIT_REASONS = {"max_pages", "time_limit", "max_bytes", "closespider_pagecount",
                 "closespider_timeout", "shutdown", "cancelled"}


def _seed_status(seed: dict[str, Any], stopped_by: str | None) -> str:
    classes: Counter[str] = Counter(seed["response_classes"])
    ok = classes[rc.OK] + classes[rc.JS_SHELL] + classes[rc.NOT_MODIFIED]
    if not seed["pages"] and not seed["failures"]:
        return "not_crawled"
    if ok == 0:
        for cls, status in ((rc.CHALLENGED, "challenged"), (rc.BLOCKED, "blocked"),
                            (rc.RATE_LIMITED, "rate_limited")):
            if classes[cls]:
                return status
        if classes[rc.NOT_FOUND] and not (classes[rc.SERVER_ERROR] or classes[rc.NETWORK_ERROR]
                                          or classes[rc.TIMEOUT]):
            return "not_found"
        return "unreachable"
    if stopped_by or seed["limited"]:
        return "partial"
    if any(classes[c] for c in rc.INACCESSIBLE):
        return "partial"
    return "complete"


def _attribution(agencies: list[Any], registry: list[Any] | None = None) -> tuple[Any, Any]:
    """Who a fetched URL belongs to: ``owners(url) -> (agency ids, foreign)``.

    Many bodies share one portal (a county's departments and townships publish in its
    platform), so a URL is credited to every agency of the crawl whose own host serves it. A
    host that is no agency's own but a sub-domain of some (``file.county.gov.cn``) goes to the
    agencies of the longest such domain. A host that is *another* registry agency's own site
    (a department's ``rsj.county.gov.cn`` linked from the county portal, its agency not crawled
    here) is ``foreign``: nobody in this crawl owns it, and what happened there must not decide
    the status of the seed whose link led there. A report page among several owners goes to
    the one named in its title (the longest name that matches), as the catalog will decide from
    the parsed page."""
    from crawler.scope import site_domain

    own: dict[str, set[str]] = {}
    for a in agencies:
        for h in a.hosts:
            own.setdefault(site_domain(h), set()).add(a.agency_id)
    others = {site_domain(h) for a in (registry or []) for h in a.hosts} - set(own)
    names = sorted(((a.name, a.agency_id) for a in agencies), key=lambda x: -len(x[0]))

    def owners(url: str) -> tuple[list[str], bool]:
        host = site_domain(urlsplit(url).hostname or "")
        if host in own:
            return sorted(own[host]), False
        if host in others:
            return [], True
        parents = [d for d in own if host.endswith("." + d)]
        if parents:
            return sorted(own[max(parents, key=len)]), False
        return [], False

    def by_title(title: str, candidates: list[str]) -> str | None:
        for name, aid in names:
            if name and name in (title or "") and (not candidates or aid in candidates):
                return aid
        return None

    return owners, by_title


def build_report(items: list[dict[str, Any]], *, agencies: list[Any], crawl_id: str,
                 stopped_by: str | None, warc_files: list[str], stats: dict[str, Any],
                 started: str = "", finished: str = "", finish_reason: str = "",
                 registry: list[Any] | None = None) -> dict[str, Any]:
    """The report dict from the items of a crawl (see module docstring).

    Answers count for every agency whose hosts serve them (a shared portal's answers for all
    of its bodies: they tell whether that site was reachable); report pages and look-alikes for
    one agency (:func:`_attribution`), attachments for the agency of the page linking them.
    Answers from another registry agency's own site (``registry``: the whole registry, of which
    ``agencies`` were crawled) are listed under the seed that reached them as
    ``linked_sites`` and leave its status alone: a seed's status says what happened to *its*
    hosts."""
    latest: dict[str, dict[str, Any]] = {}
    for it in items:
        latest[str(it.get("url"))] = it
    owners, by_title = _attribution(agencies, registry)
    seeds: dict[str, dict[str, Any]] = {}
    for a in agencies:
        seeds[a.agency_id] = {
            "agency_id": a.agency_id, "name": a.name, "region_code": a.region_code,
            "seed_urls": a.seed_urls, "pages": 0, "documents": 0, "report_pages": [],
            "look_alikes": [], "attachments": [], "response_classes": defaultdict(int),
            "hosts": defaultdict(int), "out_of_scope": defaultdict(int), "robots_disallowed": 0,
            "failures": 0, "truncated": 0, "rendered": 0, "challenged_urls": [],
            "linked_sites": defaultdict(lambda: defaultdict(int)), "limited": 0,
        }
    page_owner: dict[str, str] = {}
    ordered = sorted(latest.values(), key=lambda it: bool(it.get("document")))  # pages first
    for it in ordered:
        url = str(it.get("url"))
        cls = it.get("class", "")
        hosts_of, foreign = owners(url)
        credited = hosts_of or ([it["agency"]] if it.get("agency") in seeds and not foreign else [])
        if foreign and it.get("agency") in seeds and cls not in ("ignored", "limit"):
            host = urlsplit(url).hostname or ""
            seeds[it["agency"]]["linked_sites"][host][cls] += 1
        kind = it.get("kind")
        if it.get("type") != "failure" and kind in REPORT_KINDS and cls in (rc.OK, rc.JS_SHELL):
            one = by_title(it.get("title", ""), hosts_of) or (
                hosts_of[0] if len(hosts_of) == 1 else it.get("agency"))
            if one in seeds:
                page_owner[url] = one
                entry = {"url": url, "title": it.get("title", ""), "kind": kind}
                target = "report_pages" if kind == "annual_report" else "look_alikes"
                seeds[one][target].append(entry)
        if it.get("document") and cls in (rc.OK, rc.NOT_MODIFIED):
            one = page_owner.get(str(it.get("via"))) or (
                hosts_of[0] if len(hosts_of) == 1 else it.get("agency"))
            if one in seeds:
                seeds[one]["attachments"].append(url)
        for aid in credited:
            seed = seeds[aid]
            if it.get("type") == "failure":
                if cls == rc.ROBOTS_DISALLOWED:
                    seed["robots_disallowed"] += 1
                elif cls == "limit":  # refused by a per-host cap: not fetched, not an error
                    seed["limited"] += 1
                elif cls != "ignored":
                    seed["failures"] += 1
                    seed["response_classes"][cls] += 1
                continue
            seed["response_classes"][cls] += 1
            seed["hosts"][urlsplit(url).hostname or ""] += 1
            seed["rendered"] += bool(it.get("rendered"))
            seed["truncated"] += bool(it.get("truncated"))
            if cls == rc.CHALLENGED and len(seed["challenged_urls"]) < 20:
                seed["challenged_urls"].append(url)
            if it.get("document"):
                seed["documents"] += 1
            else:
                seed["pages"] += 1
    # attempts that failed and were retried (their final answers are counted per seed above)
    retried: Counter[str] = Counter()
    for key, value in stats.items():
        if key.startswith("retry/reason_count/"):
            retried[rc.classify_retry_reason(key[len("retry/reason_count/"):])] += int(value)
    prefix = "nianbao/out_of_scope/"
    for key, value in stats.items():
        if key.startswith(prefix):
            agency, _, reason = key[len(prefix):].rpartition("/")
            if agency in seeds:
                seeds[agency]["out_of_scope"][reason] += int(value)
    out_seeds = []
    for seed in seeds.values():
        seed["status"] = _seed_status(seed, stopped_by)
        for k in ("response_classes", "hosts", "out_of_scope"):
            seed[k] = dict(sorted(seed[k].items()))
        seed["linked_sites"] = {h: dict(sorted(c.items()))
                                for h, c in sorted(seed["linked_sites"].items())}
        for k in ("report_pages", "look_alikes"):
            seed[k] = sorted(seed[k], key=lambda e: e["url"])
        seed["attachments"] = sorted(seed["attachments"])
        seed["stopped_by"] = stopped_by or (HOST_CAP if seed["limited"] else None)
        out_seeds.append(seed)
    urls = [u for u, it in latest.items() if it.get("type") != "failure"]
    totals = {
        "seeds": len(out_seeds),
        "pages": sum(1 for u in urls if not latest[u].get("document")),
        "documents": sum(1 for u in urls if latest[u].get("document")),
        "report_pages": sum(len(s["report_pages"]) for s in out_seeds),
        "look_alikes": sum(len(s["look_alikes"]) for s in out_seeds),
        "attachments": sum(len(s["attachments"]) for s in out_seeds),
        "failures": sum(1 for it in latest.values() if it.get("type") == "failure"
                        and it.get("class") not in (rc.ROBOTS_DISALLOWED, "ignored", "limit")),
        "capped_hosts": {k.rpartition("/")[2]: int(v) for k, v in sorted(stats.items())
                         if k.startswith("nianbao/host_cap/")},
        "robots_disallowed": sum(1 for it in latest.values()
                                 if it.get("class") == rc.ROBOTS_DISALLOWED),
        "statuses": dict(Counter(s["status"] for s in out_seeds)),
        "retried": dict(sorted(retried.items())),
    }
    return {
        "crawl_id": crawl_id, "started": started, "finished": finished,
        "finish_reason": finish_reason, "stopped_by": stopped_by, "complete": stopped_by is None,
        "warc_files": sorted(warc_files), "totals": totals, "seeds": out_seeds,
    }


def read_items(path: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not path.exists():
        return out
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # torn last line after a crash
    return out


class CrawlReportExtension:
    """Collect spider items into ``items.jsonl`` and write ``report.json`` when the crawl ends."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        s = crawler.settings
        self.data_dir = Path(s.get("NIANBAO_DATA_DIR") or "data")
        self.crawl_id = s.get("NIANBAO_CRAWL_ID") or ""
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.report: dict[str, Any] | None = None
        self.live: Counter[str] = Counter()  # for progress displays
        self._fh: Any = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReportExtension:
        return cls(crawler)

    @property
    def crawl_dir(self) -> Path:
        if not self.crawl_id:
            from crawler.warc_extension import WarcExtension

            for ext in self.crawler.extensions.middlewares:
                if isinstance(ext, WarcExtension):
                    self.crawl_id = ext.crawl_id
            self.crawl_id = self.crawl_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return self.data_dir / "crawls" / self.crawl_id

    def spider_opened(self, spider: Any) -> None:
        self.crawl_dir.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.crawl_dir / "items.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    def item_scraped(self, item: Any, **_: Any) -> None:
        if not isinstance(item, dict) or self._fh is None:
            return
        self._fh.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")
        self._fh.flush()
        if item.get("type") == "failure":
            self.live["errors"] += 1
        elif item.get("document"):
            self.live["documents"] += 1
        else:
            self.live["pages"] += 1
            if item.get("kind") == "annual_report":
                self.live["reports"] += 1
        if item.get("class") in rc.INACCESSIBLE:
            self.live["errors"] += 1

    def spider_closed(self, spider: Any, reason: str = "") -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        stopped_by = stats.get("nianbao/limit") or (reason if reason in LIMIT_REASONS else None)
        from crawler.warc_extension import WarcExtension

        files: set[str] = set()
        for ext in self.crawler.extensions.middlewares:
            if isinstance(ext, WarcExtension):
                files |= ext.files
        previous = self.crawl_dir / "report.json"
        earlier_retries: dict[str, int] = {}  # of the runs before a resume
        if previous.exists():
            try:
                old = json.loads(previous.read_text(encoding="utf-8"))
                files |= set(old.get("warc_files", []))
                self.started = old.get("started") or self.started
                earlier_retries = (old.get("totals") or {}).get("retried") or {}
            except ValueError:
                pass
        simulated = self.crawler.settings.get("NIANBAO_SIMULATED_DATE") or None
        self.report = build_report(
            read_items(self.crawl_dir / "items.jsonl"),
            agencies=getattr(spider, "agencies", []), crawl_id=self.crawl_id,
            registry=getattr(spider, "registry_agencies", None),
            stopped_by=stopped_by, warc_files=sorted(files), stats=stats, started=self.started,
            finished=datetime.now(UTC).isoformat(timespec="seconds"), finish_reason=reason,
        )
        self.report["simulated_date"] = simulated
        retried = Counter(self.report["totals"]["retried"]) + Counter(earlier_retries)
        self.report["totals"]["retried"] = dict(sorted(retried.items()))
        tmp = previous.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.report, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(previous)
        logger.info("crawl report written to %s", previous)


def render_table(report: dict[str, Any]) -> Any:
    """A rich Table of the report, one row per seed."""
    from rich.table import Table

    t = report["totals"]
    title = (f"crawl {report['crawl_id']}: {t['seeds']} seeds, {t['pages']} pages, "
             f"{t['documents']} documents, {t['report_pages']} report pages"
             + (f" — stopped by {report['stopped_by']}" if report.get("stopped_by") else ""))
    table = Table(title=title)
    for col in ("agency", "status", "pages", "reports", "look-alikes", "attachments",
                "classes", "out of scope", "robots"):
        table.add_column(col)
    for s in report["seeds"]:
        classes = " ".join(f"{k}:{v}" for k, v in s["response_classes"].items())
        oos = " ".join(f"{k}:{v}" for k, v in s["out_of_scope"].items())
        table.add_row(f"{s['agency_id']} {s['name']}", s["status"], str(s["pages"]),
                      str(len(s["report_pages"])), str(len(s["look_alikes"])),
                      str(len(s["attachments"])), classes, oos, str(s["robots_disallowed"]))
    return table
