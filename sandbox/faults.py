"""Which host misbehaves how: a seeded fault plan, the same for the same seed/size/level.

Permanent faults (``412`` 瑞数 challenge, ``521`` 加速乐 challenge, ``unreachable``) hit whole
hosts — departments' own sites, so one body's reports become unverifiable while the rest of
the world stays crawlable. Transient faults hit individual URLs for their first attempt(s)
only, so a polite crawler that retries (and honours Retry-After) always gets through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.universe import MIRROR_HOST, Universe, stable_hash

LEVELS = ("none", "some", "heavy")
PERMANENT = ("412", "521", "unreachable")
TRANSIENT = ("503", "500", "429", "reset", "timeout", "slow", "truncated")
# ``heavy`` only: half the ``slow`` URLs answer slow-loris style instead (headers at once, then
# the body a few bytes at a time for longer than a sane client waits); drawn from another part
# of the same hash, so adding it moved no other URL's fault
SLOWLORIS = "slowloris"
# how many attempts of a URL fail before it recovers
ATTEMPTS = {"503": 2, "500": 1, "429": 1, "reset": 1, "timeout": 1, "slow": 1, "truncated": 1,
            SLOWLORIS: 1}


@dataclass
class FaultPlan:
    level: str = "none"
    seed: int = 1
    permanent: dict[str, str] = field(default_factory=dict)  # host -> kind
    rate: dict[str, float] = field(default_factory=dict)  # host -> share of URLs with a fault

    def permanent_for(self, host: str) -> str | None:
        return self.permanent.get(host)

    def transient_for(self, host: str, target: str) -> str | None:
        """The transient fault of one URL (path+query), or None. robots.txt never fails."""
        rate = self.rate.get(host, 0.0)
        if not rate or target == "/robots.txt":
            return None
        h = stable_hash(self.seed, "fault", host, target)
        if (h % 10_000) / 10_000 >= rate:
            return None
        kind = TRANSIENT[(h // 10_000) % len(TRANSIENT)]
        if kind == "slow" and self.level == "heavy" and (h >> 40) & 1:
            return SLOWLORIS
        return kind


def build_plan(universe: Universe, level: str) -> FaultPlan:
    """The plan for ``none|some|heavy``: ``some`` puts one 412 host and transient faults on
    about half the hosts; ``heavy`` adds 521 and unreachable hosts, faults everywhere, and
    slow-loris answers."""
    if level not in LEVELS:
        raise ValueError(f"faults must be one of {LEVELS}, got {level!r}")
    plan = FaultPlan(level, universe.seed)
    if level == "none":
        return plan
    own_sites = sorted({a.host for a in universe.agencies.values() if a.own_site})
    kinds = PERMANENT[:1] if level == "some" else PERMANENT
    for host, kind in zip(own_sites, kinds, strict=False):
        plan.permanent[host] = kind
    for host in [*universe.portals, MIRROR_HOST]:
        if level == "heavy":
            plan.rate[host] = 0.3
        elif stable_hash(universe.seed, "faulty", host) % 2 == 0:
            plan.rate[host] = 0.1
    return plan
