"""Portal families (CMS look-alikes). ``family_for(name)`` returns the shared instance."""

from __future__ import annotations

from sandbox.portals.base import Family
from sandbox.portals.gd import GD
from sandbox.portals.hanweb import Hanweb
from sandbox.portals.mirror import Mirror
from sandbox.portals.static import Static
from sandbox.portals.trs import TRS

_FAMILIES: dict[str, Family] = {f.name: f for f in (TRS(), Hanweb(), GD(), Static(), Mirror())}


def family_for(name: str) -> Family:
    try:
        return _FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown portal family {name!r}; known: {sorted(_FAMILIES)}") from None
