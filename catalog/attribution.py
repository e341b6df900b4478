"""Which registry agency a captured report belongs to.

A county portal hosts the reports of its departments and townships, so the host alone does not
say whose report a page is; the crawl seed that found it does not either (one column lists many
bodies). The agency name the parser read from the report decides among the agencies that
share the host (or the seed's region); the seed is the fallback. A host that no registry
agency uses (a mirror) is never attributed on name alone: DOMAIN.md §5.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlite_utils

_SPACE = re.compile(r"[\s\u3000]+")
_GOV_SUFFIXES = ("人民政府办公室", "人民政府办公厅", "政府办公室", "政府办公厅", "人民政府", "政府")


def normalise_name(name: str | None) -> str:
    """Spaces and brackets out, full-width to half-width: names compare as people read them."""
    if not name:
        return ""
    name = _SPACE.sub("", name)
    return name.replace("（", "(").replace("）", ")").strip()


@dataclass
class Agency:
    agency_id: str
    name: str
    region_code: str
    hosts: set[str] = field(default_factory=set)


class Attributor:
    """Map (host, parsed agency name, crawl seed) to a registry agency id."""

    def __init__(self, agencies: list[Agency]):
        self.agencies = {a.agency_id: a for a in agencies}
        self.by_host: dict[str, list[Agency]] = defaultdict(list)
        self.by_name: dict[str, list[Agency]] = defaultdict(list)
        for agency in agencies:
            for host in agency.hosts:
                self.by_host[host].append(agency)
            self.by_name[normalise_name(agency.name)].append(agency)

    @classmethod
    def from_db(cls, db: sqlite_utils.Database) -> Attributor:
        agencies = []
        for row in db.query("select * from agencies"):
            hosts = {
                (urlsplit(u).hostname or "").lower()
                for u in (row["portal_url"], row["report_url"])
                if u
            } - {""}
            agencies.append(Agency(row["agency_id"], row["name"], row["region_code"] or "", hosts))
        return cls(agencies)

    def attribute(
        self,
        *,
        host: str,
        parsed_agency: str | None,
        region_code: str | None = None,
        crawl_agency: str | None = None,
    ) -> str | None:
        on_host = self.by_host.get(host, [])
        seed = self.agencies.get(crawl_agency or "")
        if not on_host and seed is None:
            return None  # a host nobody in the registry uses, found by no seed: a mirror
        pool = on_host or ([seed] if seed else [])
        if seed is not None:
            # the seed's whole region shares its platform (county departments, townships)
            pool = pool + [a for a in self.agencies.values()
                           if a.region_code and a.region_code[:6] == seed.region_code[:6]]
        name = normalise_name(parsed_agency)
        if name:
            match = self._by_name(name, pool)
            if match:
                return match.agency_id
        if len(on_host) == 1:
            return on_host[0].agency_id
        return seed.agency_id if seed else None

    def _by_name(self, name: str, pool: list[Agency]) -> Agency | None:
        ids = {a.agency_id for a in pool}
        exact = [a for a in self.by_name.get(name, []) if a.agency_id in ids]
        if exact:
            return exact[0]
        # a government's report is often signed by its office, and vice versa titles drop 人民
        stem = _strip_gov(name)
        if stem != name:
            for a in pool:
                if _strip_gov(normalise_name(a.name)) == stem and _is_gov(a.name) == _is_gov(name):
                    return a
        # names published without their region prefix: 民政局 for 吴忠市民政局
        candidates = [a for a in pool if normalise_name(a.name).endswith(name)
                      or name.endswith(normalise_name(a.name))]
        return candidates[0] if len(candidates) == 1 else None


def _strip_gov(name: str) -> str:
    for suffix in _GOV_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _is_gov(name: str) -> bool:
    """True for the government itself, False for its office (办公室/办公厅) or anything else."""
    return name.endswith(("人民政府", "政府")) and not name.endswith(("办公室", "办公厅"))
