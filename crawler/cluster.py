"""Run one crawl across Scrapyd nodes: partition agencies by host, schedule, follow, gather.

Why partition by host: politeness is one connection per host, and Scrapy enforces it only inside
one process. Agencies that share any host (a county's departments publish on the county
government's shared platform) are grouped with union-find over their scope domains
(:func:`crawler.scope.scope_for`, sub-domains included), and a group goes to exactly one node,
so no host is crawled by two nodes at once. Groups are balanced over nodes by agency count,
largest first.

Each node runs the ``portal`` spider for its part as a crawl of its own, ``<crawl-id>-pNN``,
with ``-a registry=… -a only=…`` and ``-s NIANBAO_DATA_DIR=… NIANBAO_CRAWL_ID=… JOBDIR=…``.
WARCs and crawl reports flow back through a **shared filesystem**: the data directory must be
reachable at the same path on every node (NFS, CephFS, or simply the one machine); nodes write
``warcs/`` and ``crawls/<part>/`` there directly (the archive writer takes unique file names
with ``O_EXCL`` and locks its open file, so several writers share one directory safely). Each
job's Scrapyd log is pulled over HTTP into ``crawls/<part>/crawl.log`` when the job ends, and
``crawls/<crawl-id>/cluster.json`` records partitions, nodes, jobs and reschedules.

Node death: a node that has not answered for ``node_grace`` seconds is declared dead. Each of
its unfinished parts is rescheduled on the live node with the fewest jobs, under the same crawl
id, once the part's last WARC is no longer locked by a writer (so a crawl process that outlived
its Scrapyd cannot run next to its replacement). As with ``nianbao crawl --resume`` after a kill,
the killed JOBDIR is not trusted (Scrapy persists its queue only on a clean stop): it is moved
to ``job.unclean-<time>`` and the part restarts from its seeds with every already-archived
answer replayed from the WARCs (:class:`crawler.resume.ReplayMiddleware`), so nothing archived
is fetched again and the part's report covers both attempts.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from catalog.registry import Agency, load_registry, select
from crawler.scope import scope_for
from crawler.scrapyd_api import ScrapydError, ScrapydNode

logger = logging.getLogger(__name__)

PROJECT = "nianbao"
SPIDER = "portal"


class ClusterError(RuntimeError):
    """The cluster run cannot go on (no live node, a part failed, time limit); ``run`` is what
    it did so far, when it got that far."""

    def __init__(self, message: str, run: ClusterRun | None = None):
        super().__init__(message)
        self.run = run


# -- partitioning -----------------------------------------------------------------------------
def _suffixes(domain: str) -> Iterable[str]:
    labels = domain.split(".")
    for i in range(len(labels)):
        yield ".".join(labels[i:])


def host_groups(agencies: list[Agency], registry_agencies: list[Agency] | None = None
                ) -> list[list[Agency]]:
    """Agencies grouped so that no two groups share a host: union-find over each agency's
    scope domains (own sites and its government's shared platform), a domain joining every
    domain it is a sub-domain of. Groups come largest first, in registry order inside."""
    registry_agencies = registry_agencies if registry_agencies is not None else agencies
    parent = list(range(len(agencies)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    domains = [scope_for(a, registry_agencies).domains for a in agencies]
    owner: dict[str, int] = {}
    for i, ds in enumerate(domains):
        for d in ds:
            if d in owner:
                union(i, owner[d])
            else:
                owner[d] = i
    for i, ds in enumerate(domains):
        for d in ds:
            for s in _suffixes(d):
                if s in owner:
                    union(i, owner[s])
    groups: dict[int, list[Agency]] = {}
    for i, a in enumerate(agencies):
        groups.setdefault(find(i), []).append(a)
    return sorted(groups.values(), key=lambda g: -len(g))


def partition_agencies(agencies: list[Agency], n: int,
                       registry_agencies: list[Agency] | None = None) -> list[list[Agency]]:
    """``n`` parts (some maybe empty) of whole host groups, balanced by agency count
    (longest-processing-time first: each group goes to the lightest part so far)."""
    if n < 1:
        raise ValueError(f"cannot partition over {n} nodes")
    parts: list[list[Agency]] = [[] for _ in range(n)]
    for group in host_groups(agencies, registry_agencies):
        lightest = min(range(n), key=lambda k: (len(parts[k]), k))
        parts[lightest].extend(group)
    order = {a.agency_id: i for i, a in enumerate(agencies)}
    return [sorted(p, key=lambda a: order[a.agency_id]) for p in parts]


def part_domains(part: list[Agency], registry_agencies: list[Agency]) -> set[str]:
    out: set[str] = set()
    for a in part:
        out |= scope_for(a, registry_agencies).domains
    return out


# -- the run ----------------------------------------------------------------------------------
@dataclass
class PartJob:
    """One part of the crawl and the Scrapyd job that runs it now."""

    crawl_id: str
    agency_ids: list[str]
    domains: list[str]
    node: str
    job_id: str = ""
    state: str = "pending"  # pending | running | finished | failed | cancelled
    attempts: int = 0
    nodes_tried: list[str] = field(default_factory=list)
    report: str = ""
    log: str = ""
    started: float = 0.0  # when this attempt was scheduled (Unix time)


@dataclass
class ClusterRun:
    """What a cluster crawl did: its parts (crawl id, agencies, node, job, state), the nodes
    declared dead, the reschedules, and the gathered report and WARC paths."""

    crawl_id: str
    data_dir: str
    nodes: list[str]
    parts: list[PartJob]
    dead_nodes: list[str] = field(default_factory=list)
    rescheduled: list[dict[str, Any]] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)  # node -> deployed version used
    started: str = ""
    finished: str = ""

    @property
    def crawl_ids(self) -> dict[str, list[str]]:
        """Crawl ids per node (where each part finally ran)."""
        out: dict[str, list[str]] = {n: [] for n in self.nodes}
        for p in self.parts:
            out.setdefault(p.node, []).append(p.crawl_id)
        return out

    @property
    def report_paths(self) -> list[Path]:
        return [Path(p.report) for p in self.parts if p.report]

    @property
    def warc_files(self) -> list[Path]:
        """The WARCs of every part (from its crawl report), as paths in the data directory."""
        out: list[Path] = []
        for path in self.report_paths:
            report = json.loads(path.read_text(encoding="utf-8"))
            out += [Path(self.data_dir) / "warcs" / name for name in report.get("warc_files", [])]
        return sorted(set(out))

    @property
    def complete(self) -> bool:
        return all(p.state == "finished" and p.report for p in self.parts)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["crawl_ids"] = self.crawl_ids
        d["warc_files"] = [p.name for p in self.warc_files]
        return d


def _setting_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _journal_last_file(crawl_dir: Path) -> str | None:
    journal = crawl_dir / "fetched.jsonl"
    if not journal.exists():
        return None
    last = None
    with open(journal, encoding="utf-8") as fh:
        for line in fh:
            try:
                last = json.loads(line).get("file") or last
            except ValueError:
                continue
    return last


def crawl_still_writing(data_dir: Path, crawl_id: str) -> bool:
    """True while a process still holds the lock on the part's open WARC (its crawl outlived
    its Scrapyd node): rescheduling then would put two crawlers on the same hosts."""
    name = _journal_last_file(data_dir / "crawls" / crawl_id)
    if not name:
        return False
    path = data_dir / "warcs" / (name + ".open")
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


class _Runner:
    def __init__(self, registry: Path, agency_ids: list[str] | None, nodes: list[str],
                 data_dir: Path, *, crawl_id: str | None, settings: dict[str, Any] | None,
                 poll: float, proxy: str | None, node_grace: float, node_timeout: float,
                 time_limit: float,
                 project: str, version: str | None, simulated_date: str | None,
                 on_event: Callable[[str, dict[str, Any]], None] | None,
                 stop: threading.Event | None = None):
        from crawler.runner import new_crawl_id

        if not nodes:
            raise ValueError("give at least one Scrapyd node URL")
        self.registry = Path(registry).resolve()
        self.data_dir = Path(data_dir).resolve()
        self.registry_agencies = load_registry(self.registry)
        self.agencies = select(self.registry_agencies, agency_ids)
        self.nodes = {u.rstrip("/"): ScrapydNode(u, timeout=node_timeout)
                      for u in dict.fromkeys(nodes)}
        self.crawl_id = crawl_id or new_crawl_id()
        self.settings = {k: _setting_value(v) for k, v in (settings or {}).items()}
        if simulated_date:
            self.settings["NIANBAO_SIMULATED_DATE"] = simulated_date
        if proxy:
            self.settings["NIANBAO_PROXY"] = proxy
        self.settings["NIANBAO_REGISTRY_SHA256"] = hashlib.sha256(
            self.registry.read_bytes()).hexdigest()
        self.poll = poll
        self.node_grace = node_grace
        self.time_limit = time_limit
        self.project = project
        self.version = version
        self.on_event = on_event
        self.stop = stop or threading.Event()
        self.silent_since: dict[str, float] = {}
        self.versions: dict[str, str] = {}
        self.lost: set[str] = set()  # parts whose node forgot their job
        self.missing_since: dict[str, float] = {}
        self.dead: list[str] = []
        self.run = ClusterRun(crawl_id=self.crawl_id, data_dir=str(self.data_dir),
                              nodes=list(self.nodes), parts=[],
                              started=datetime.now(UTC).isoformat(timespec="seconds"))

    def event(self, kind: str, **info: Any) -> None:
        logger.info("cluster %s: %s %s", self.crawl_id, kind, info)
        if self.on_event is not None:
            self.on_event(kind, info)

    # -- scheduling ------------------------------------------------------------------------
    def node_version(self, node: str) -> str:
        """The project version a node runs: the one asked for, else its newest deploy. Naming
        it in every job pins parts and reschedules to one code version, and lets Scrapyd answer
        from its spider-list cache instead of starting a process per schedule call."""
        versions = self.nodes[node].list_versions(self.project)
        if not versions:
            raise ClusterError(f"Scrapyd node {node} has no version of project "
                               f"{self.project!r}: run `nianbao deploy --node {node}` first")
        if self.version is None:
            return versions[-1]
        if self.version not in versions:
            raise ClusterError(f"Scrapyd node {node} has no version {self.version!r} of "
                               f"{self.project!r} (it has {', '.join(versions)})")
        return self.version

    def live_nodes(self) -> list[str]:
        return [u for u in self.nodes if u not in self.dead]

    def schedule(self, part: PartJob, node: str) -> None:
        crawl_dir = self.data_dir / "crawls" / part.crawl_id
        crawl_dir.mkdir(parents=True, exist_ok=True)
        part.attempts += 1
        part.node = node
        part.nodes_tried.append(node)
        part.job_id = f"{part.crawl_id}-a{part.attempts}"
        settings = {**self.settings, "NIANBAO_DATA_DIR": str(self.data_dir),
                    "NIANBAO_CRAWL_ID": part.crawl_id, "JOBDIR": str(crawl_dir / "job")}
        args = {"registry": str(self.registry), "only": ",".join(part.agency_ids)}
        (crawl_dir / "crawl.json").write_text(json.dumps({
            "crawl_id": part.crawl_id, "cluster": self.crawl_id, "registry": str(self.registry),
            "only": part.agency_ids, "mode": "new" if part.attempts == 1 else "recover",
            "node": node, "job": part.job_id, "attempt": part.attempts,
            "started": datetime.now(UTC).isoformat(),
        }, indent=2, ensure_ascii=False), encoding="utf-8")
        self.nodes[node].schedule(self.project, SPIDER, job_id=part.job_id, settings=settings,
                                  args=args, version=self.versions.get(node))
        part.state = "pending"
        part.started = time.time()
        self.event("scheduled", part=part.crawl_id, node=node, job=part.job_id,
                   agencies=len(part.agency_ids), attempt=part.attempts)

    def start(self) -> None:
        alive = [u for u, n in self.nodes.items() if n.alive()]
        for u in self.nodes:
            if u not in alive:
                self.dead.append(u)
                self.event("node-dead", node=u, when="start")
        if not alive:
            raise ClusterError("no Scrapyd node answers: " + ", ".join(self.nodes))
        for u in alive:
            self.versions[u] = self.run.versions[u] = self.node_version(u)
        parts = [p for p in partition_agencies(self.agencies, len(alive), self.registry_agencies)
                 if p]
        for k, (node, agencies) in enumerate(zip(alive, parts, strict=False)):
            part = PartJob(crawl_id=f"{self.crawl_id}-p{k + 1:02d}",
                           agency_ids=[a.agency_id for a in agencies],
                           domains=sorted(part_domains(agencies, self.registry_agencies)),
                           node=node)
            self.run.parts.append(part)
            self.schedule(part, node)

    # -- following -------------------------------------------------------------------------
    def poll_node(self, node: str, parts: list[PartJob]) -> None:
        try:
            jobs = self.nodes[node].list_jobs(self.project)
        except ScrapydError as exc:
            if not exc.unreachable:
                raise ClusterError(f"Scrapyd node {node}: {exc}") from exc
            first = self.silent_since.setdefault(node, time.monotonic())
            if time.monotonic() - first >= self.node_grace:
                self.dead.append(node)
                self.event("node-dead", node=node, error=str(exc))
            return
        self.silent_since.pop(node, None)
        state_of = {j["id"]: (state, j) for state in ("pending", "running", "finished")
                    for j in jobs[state]}
        for part in parts:
            state, job = state_of.get(part.job_id, (None, {}))
            if state is not None:
                self.missing_since.pop(part.crawl_id, None)
            if state in ("pending", "running"):
                part.state = state
            elif state == "finished":
                self.finish(part, node, job)
            elif self.report_of(part):
                self.finish(part, node, {})
            elif time.monotonic() - self.missing_since.setdefault(
                    part.crawl_id, time.monotonic()) >= self.node_grace:
                # the node forgot the job (Scrapyd restarted: its job list lives in memory; a
                # job handed from its queue to a busy launcher is briefly listed nowhere, hence
                # the grace) and the part left no report: run it again, resuming
                self.missing_since.pop(part.crawl_id, None)
                self.lost.add(part.crawl_id)
                self.event("job-lost", part=part.crawl_id, node=node, job=part.job_id)

    def finish(self, part: PartJob, node: str, job: dict[str, Any]) -> None:
        crawl_dir = self.data_dir / "crawls" / part.crawl_id
        log_url = job.get("log_url")
        if log_url:
            try:
                text = self.nodes[node].get_text(log_url)
                with open(crawl_dir / "crawl.log", "a", encoding="utf-8") as fh:
                    fh.write(f"# --- attempt {part.attempts} on {node}, job {part.job_id}\n{text}")
                part.log = str(crawl_dir / "crawl.log")
            except ScrapydError as exc:
                logger.warning("cluster: could not fetch the log of %s: %s", part.job_id, exc)
        report = self.report_of(part)
        if report is not None:
            part.state = "finished"
            part.report = str(report)
            self.event("finished", part=part.crawl_id, node=node, job=part.job_id)
        else:
            part.state = "failed"
            self.event("failed", part=part.crawl_id, node=node, job=part.job_id,
                       log=part.log or log_url or "")

    def report_of(self, part: PartJob) -> Path | None:
        """The part's crawl report, if this attempt wrote it."""
        report = self.data_dir / "crawls" / part.crawl_id / "report.json"
        if report.exists() and report.stat().st_mtime >= part.started - 1.0:
            return report
        return None

    def reschedule(self, part: PartJob, dead_node: str) -> bool:
        """Move a dead node's part to the live node with the fewest active parts; False while
        its old crawl process still writes (try again at the next poll)."""
        if crawl_still_writing(self.data_dir, part.crawl_id):
            return False
        live = self.live_nodes()
        if not live:
            raise ClusterError(f"every Scrapyd node is dead; unfinished parts: "
                               f"{', '.join(p.crawl_id for p in self.active())}")
        load = {u: sum(1 for p in self.active() if p.node == u) for u in live}
        target = min(live, key=lambda u: (load[u], live.index(u)))
        job = self.data_dir / "crawls" / part.crawl_id / "job"
        if job.exists():
            shutil.move(str(job), str(job.with_name(f"job.unclean-{datetime.now(UTC):%Y%m%dT%H%M%S}")))
        self.run.rescheduled.append({"part": part.crawl_id, "from": dead_node, "to": target,
                                     "agencies": len(part.agency_ids), "domains": part.domains,
                                     "at": datetime.now(UTC).isoformat(timespec="seconds")})
        self.event("rescheduled", part=part.crawl_id, frm=dead_node, to=target)
        self.schedule(part, target)
        return True

    def active(self) -> list[PartJob]:
        return [p for p in self.run.parts if p.state in ("pending", "running")]

    def follow(self) -> None:
        deadline = time.monotonic() + self.time_limit if self.time_limit else None
        while self.active():
            for node in self.live_nodes():
                mine = [p for p in self.active() if p.node == node]
                if mine:
                    self.poll_node(node, mine)
            for part in self.active():
                if part.node in self.dead or part.crawl_id in self.lost:
                    if self.reschedule(part, part.node):
                        self.lost.discard(part.crawl_id)
            if not self.active():
                break
            if deadline is not None and time.monotonic() > deadline:
                self.cancel_all()
                raise ClusterError(f"cluster crawl {self.crawl_id}: time limit of "
                                   f"{self.time_limit:g} s reached; jobs cancelled")
            if self.stop.is_set():
                self.cancel_all()
                raise ClusterError(f"cluster crawl {self.crawl_id}: stopped; jobs cancelled "
                                   "(their partial crawl reports are kept)")
            self.stop.wait(self.poll)

    def cancel_all(self, wait: float = 60.0) -> None:
        """Cancel every active part's job the way Ctrl-C stops a crawl (Scrapyd sends the crawl
        SIGTERM: it finishes the requests in flight, closes its WARCs and writes its report),
        then wait up to ``wait`` seconds for the jobs to end and collect their logs."""
        cancelled = []
        for part in self.active():
            try:
                self.nodes[part.node].cancel(self.project, part.job_id, signal="TERM")
                cancelled.append(part)
            except ScrapydError as exc:
                logger.warning("cluster: cancel %s on %s: %s", part.job_id, part.node, exc)
            part.state = "cancelled"
        self.event("cancelled", parts=[p.crawl_id for p in cancelled])
        end = time.monotonic() + wait
        waiting = list(cancelled)
        while waiting and time.monotonic() < end:
            for node in {p.node for p in waiting}:
                try:
                    jobs = self.nodes[node].list_jobs(self.project)
                except ScrapydError:
                    waiting = [p for p in waiting if p.node != node]
                    continue
                done = {j["id"]: j for j in jobs["finished"]}
                busy = {j["id"] for state in ("pending", "running") for j in jobs[state]}
                for part in [p for p in waiting if p.node == node]:
                    if part.job_id in done or part.job_id not in busy:
                        self.finish(part, node, done.get(part.job_id, {}))
                        part.state = "cancelled"
                        waiting.remove(part)
            if waiting:
                time.sleep(min(self.poll, 1.0))

    def write_summary(self) -> Path:
        self.run.dead_nodes = list(self.dead)
        self.run.finished = datetime.now(UTC).isoformat(timespec="seconds")
        out = self.data_dir / "crawls" / self.crawl_id / "cluster.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(self.run.to_dict(), indent=2, ensure_ascii=False),
                       encoding="utf-8")
        return out


def run_on_nodes(registry: Path, agency_ids: list[str] | None, nodes: list[str], data_dir: Path,
                 *, crawl_id: str | None = None, settings: dict[str, Any] | None = None,
                 poll: float = 2.0, proxy: str | None = None, node_grace: float = 30.0,
                 node_timeout: float = 30.0,
                 time_limit: float = 0, project: str = PROJECT, version: str | None = None,
                 simulated_date: str | None = None,
                 on_event: Callable[[str, dict[str, Any]], None] | None = None,
                 stop: threading.Event | None = None) -> ClusterRun:
    """Crawl ``agency_ids`` of ``registry`` (all when None or empty) on Scrapyd ``nodes``
    (URLs such as ``http://10.0.0.5:6800``, the project deployed with ``nianbao deploy``) into
    ``data_dir``, which every node must reach at the same path; returns when every part has
    finished. ``settings`` are Scrapy/nianbao settings for every job (non-strings are sent as
    JSON); ``proxy`` is the HTTP proxy the crawlers use; a node silent for ``node_grace``
    seconds is dead and its parts move to a live node (``node_timeout``: how long one API call
    may take; ``version``: the deployed project version, default each node's newest).
    ``on_event(kind, info)`` reports progress (scheduled, finished, failed, node-dead, rescheduled,
    job-lost, cancelled). Setting ``stop`` (from a signal handler, say) cancels every job; each
    crawl stops cleanly and keeps its partial report.

    Raises :class:`ClusterError` when no node answers, every node died, a part failed (its
    log is in ``crawls/<part>/crawl.log``), or ``time_limit`` seconds passed; ``KeyError`` for
    unknown agency ids; :class:`catalog.registry.RegistryError` for a bad registry.
    ``crawls/<crawl_id>/cluster.json`` records the run in every case.
    """
    runner = _Runner(registry, agency_ids, nodes, data_dir, crawl_id=crawl_id, settings=settings,
                     poll=poll, proxy=proxy, node_grace=node_grace, node_timeout=node_timeout,
                     time_limit=time_limit,
                     project=project, version=version, simulated_date=simulated_date,
                     on_event=on_event, stop=stop)
    try:
        runner.start()
        runner.follow()
    except ClusterError as exc:
        exc.run = runner.run
        raise
    except ScrapydError as exc:  # a node refused a call (bad project, bad argument…)
        raise ClusterError(f"cluster crawl {runner.crawl_id}: {exc}", runner.run) from exc
    finally:
        runner.write_summary()
    failed = [p for p in runner.run.parts if p.state != "finished"]
    if failed:
        raise ClusterError("cluster crawl {}: part(s) failed: {}".format(
            runner.crawl_id, "; ".join(f"{p.crawl_id} on {p.node} (log: {p.log or 'none'})"
                                       for p in failed)), runner.run)
    return runner.run
