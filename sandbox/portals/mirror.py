"""The non-government mirror (a 文库-style site) that copies reports verbatim under ``/doc/<n>.html``."""

from __future__ import annotations

from sandbox.portals.base import Family
from sandbox.universe import Extra, Universe


class Mirror(Family):
    name = "mirror"

    def place_extra(self, u: Universe, e: Extra) -> None:
        e.path = f"/doc/{e.id}.html"
