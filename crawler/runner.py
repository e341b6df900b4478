"""Run a crawl in-process (Scrapy ``CrawlerProcess``): crawl ids, JOBDIR, resume, clean stop.

Every crawl has an id (``YYYYmmddTHHMMSSZ-xxxx``) and a directory ``crawls/<id>/`` holding the
Scrapy JOBDIR (``job/``), the journal of archived answers (``fetched.jsonl``), the spider's items
(``items.jsonl``), the log (``crawl.log``) and the report (``report.json``).

Stopping: Ctrl-C or SIGTERM makes Scrapy stop scheduling, finish the requests in flight and
persist the JOBDIR (a second signal forces an unclean stop). ``resume=<id>`` continues from it.
A ``RUNNING`` marker tells a clean stop from a crash: if it is still there when resuming (the
process was killed with ``kill -9`` or died), the JOBDIR is not trusted — it is moved aside and
the crawl restarts from its seeds with :class:`crawler.resume.ReplayMiddleware` answering every
already-archived request from the WARCs, so nothing archived is fetched twice. Before that, the
dead writer's WARCs are repaired and the journal is reconciled with them
(:func:`crawler.resume.reconcile_journal`): a kill between archiving an answer and journaling it
must not make the answer be fetched and archived again.

Only one crawl may run per process (Twisted's reactor cannot be restarted); run crawls in
subprocesses to run several.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.repair import pid_alive
from catalog.registry import Agency, load_registry, select

logger = logging.getLogger(__name__)


def new_crawl_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def prepare_crawl_dir(data_dir: Path, crawl_id: str, *, resume: bool) -> tuple[Path, str]:
    """Create or reopen ``crawls/<id>/``; returns it and how the crawl starts
    (``new``, ``resume`` from the JOBDIR, or ``recover`` after an unclean stop)."""
    crawl_dir = data_dir / "crawls" / crawl_id
    marker = crawl_dir / "RUNNING"
    if resume:
        if not crawl_dir.is_dir():
            raise FileNotFoundError(f"cannot resume crawl {crawl_id}: {crawl_dir} does not exist")
        if marker.exists():
            try:
                pid = int(marker.read_text().split()[0])
            except (ValueError, IndexError):
                pid = -1
            if pid > 0 and pid != os.getpid() and pid_alive(pid):
                raise RuntimeError(f"crawl {crawl_id} is still running (pid {pid})")
            job = crawl_dir / "job"
            if job.exists():
                aside = crawl_dir / f"job.unclean-{datetime.now(UTC):%Y%m%dT%H%M%S}"
                shutil.move(str(job), str(aside))
            mode = "recover"
        else:
            mode = "resume"
    else:
        if crawl_dir.exists() and any(crawl_dir.iterdir()):
            raise FileExistsError(f"crawl {crawl_id} already exists in {crawl_dir}; use resume")
        mode = "new"
    crawl_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{os.getpid()} {datetime.now(UTC).isoformat()}\n")
    return crawl_dir, mode


def crawl_settings(*, data_dir: Path, crawl_id: str, crawl_dir: Path, registry: Path | None,
                   max_pages: int = 0, time_limit: float = 0, max_bytes: int = 0,
                   render: str = "auto", proxy: str | None = None,
                   overrides: dict[str, Any] | None = None) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NIANBAO_DATA_DIR", str(data_dir))
    settings.set("NIANBAO_CRAWL_ID", crawl_id)
    settings.set("JOBDIR", str(crawl_dir / "job"))
    settings.set("LOG_FILE", str(crawl_dir / "crawl.log"))
    settings.set("NIANBAO_MAX_PAGES", max_pages)
    settings.set("NIANBAO_TIME_LIMIT", time_limit)
    settings.set("NIANBAO_MAX_BYTES", max_bytes)
    settings.set("NIANBAO_RENDER", render)
    if registry is not None:
        settings.set("NIANBAO_REGISTRY_SHA256", hashlib.sha256(Path(registry).read_bytes()).hexdigest())
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(
    registry: str | Path,
    *,
    data_dir: str | Path,
    only: list[str] | None = None,
    crawl_id: str | None = None,
    resume: str | None = None,
    proxy: str | None = None,
    max_pages: int = 0,
    time_limit: float = 0,
    max_bytes: int = 0,
    render: str = "auto",
    overrides: dict[str, Any] | None = None,
    on_start: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    """Run one crawl to its end and return its report (also in ``crawls/<id>/report.json``).

    ``on_start(crawler)`` is called once the crawler exists (progress displays hook in there).
    Raises :class:`catalog.registry.RegistryError` / ``KeyError`` for a bad registry or ids.
    """
    from scrapy.crawler import CrawlerProcess

    from crawler.redact import redact_url
    from crawler.spiders.portal import PortalSpider

    data_dir = Path(data_dir)
    registry_agencies: list[Agency] = load_registry(registry)
    agencies = select(registry_agencies, only)
    cid = resume or crawl_id or new_crawl_id()
    crawl_dir, mode = prepare_crawl_dir(data_dir, cid, resume=bool(resume))
    if mode == "recover":
        # a killed crawl: close its torn WARCs, then journal what they hold that it never named
        from archive.repair import repair_data_dir
        from crawler.resume import reconcile_journal

        repair_data_dir(data_dir)
        reconcile_journal(data_dir, cid)
    if proxy:
        # Scrapy's HttpProxyMiddleware reads these; the browser's requests go through Scrapy.
        os.environ["http_proxy"] = os.environ["https_proxy"] = proxy
        os.environ.pop("no_proxy", None)
        os.environ.pop("NO_PROXY", None)
    (crawl_dir / "crawl.json").write_text(json.dumps({
        "crawl_id": cid, "registry": str(registry), "only": only or [], "mode": mode,
        "proxy": redact_url(proxy or os.environ.get("http_proxy", "")), "max_pages": max_pages,
        "time_limit": time_limit, "render": render, "started": datetime.now(UTC).isoformat(),
    }, indent=2), encoding="utf-8")
    settings = crawl_settings(data_dir=data_dir, crawl_id=cid, crawl_dir=crawl_dir,
                              registry=Path(registry), max_pages=max_pages, time_limit=time_limit,
                              max_bytes=max_bytes, render=render, proxy=proxy, overrides=overrides)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    if on_start is not None:
        on_start(crawler)
    process.crawl(crawler, agencies=agencies, registry_agencies=registry_agencies, render=render)
    process.start()
    marker = crawl_dir / "RUNNING"
    if marker.exists():
        marker.unlink()
    report_path = crawl_dir / "report.json"
    if not report_path.exists():
        raise RuntimeError(f"crawl {cid} ended without a report; see {crawl_dir / 'crawl.log'}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    report["mode"] = mode
    return report


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.runner REGISTRY DATA_DIR [crawl-id]``: a minimal entry for scripts."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m crawler.runner REGISTRY DATA_DIR [CRAWL_ID]", file=sys.stderr)
        return 2
    report = run_crawl(args[0], data_dir=args[1], crawl_id=args[2] if len(args) > 2 else None)
    print(json.dumps(report["totals"], ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
