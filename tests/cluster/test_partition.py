"""Partitioning agencies over nodes: a host (including a government's shared platform and its
sub-domains) never lands in two parts, and parts are balanced by agency count."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.registry import Agency, load_registry
from crawler.cluster import host_groups, part_domains, partition_agencies
from crawler.scope import host_in

ROOT = Path(__file__).resolve().parents[2]


def agency(aid: str, url: str, *, region: str = "110101", kind: str = "department") -> Agency:
    return Agency(agency_id=aid, name=aid, region_code=region, level="county", kind=kind,
                  portal_url=url)


def test_departments_on_their_governments_platform_stay_together():
    reg = [
        agency("gov-a", "http://www.a.gov.test/", kind="government"),
        agency("dept-a1", "http://jyj.b.gov.test/"),  # own host, but its region's platform is a's
        agency("gov-c", "http://www.c.gov.test/", region="110102", kind="government"),
        agency("dept-c1", "http://c.gov.test/czj/", region="110102"),  # same site, no www.
        agency("sub-c", "http://xx.c.gov.test/", region="999999"),  # a sub-domain of c's site
        agency("lone", "http://lone.test/", region="888888"),
    ]
    groups = [sorted(a.agency_id for a in g) for g in host_groups(reg)]
    assert sorted(groups) == [["dept-a1", "gov-a"], ["dept-c1", "gov-c", "sub-c"], ["lone"]]


def test_parts_are_balanced_whole_groups():
    reg = [agency(f"g{i}", f"http://www.r{i}.gov.test/", region=f"11010{i}", kind="government")
           for i in range(4)]
    reg += [agency(f"g0-d{j}", f"http://www.r0.gov.test/d{j}/", region="110100")
            for j in range(5)]  # six agencies on one host
    parts = partition_agencies(reg, 2)
    sizes = sorted(len(p) for p in parts)
    assert sizes == [3, 6]  # the six of r0 cannot be split; the other three go together
    assert all({a.agency_id for a in p} for p in parts)
    with pytest.raises(ValueError):
        partition_agencies(reg, 0)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_no_host_of_the_sandbox_registry_is_in_two_parts(n):
    reg = load_registry(ROOT / "registries" / "sandbox.csv")
    parts = partition_agencies(reg, n, reg)
    assert sorted(a.agency_id for p in parts for a in p) == sorted(a.agency_id for a in reg)
    domains = [part_domains(p, reg) for p in parts]
    for i in range(n):
        for j in range(i + 1, n):
            clash = [d for d in domains[i] if host_in(d, domains[j])
                     or any(host_in(e, {d}) for e in domains[j])]
            assert not clash, f"parts {i} and {j} share {clash}"
