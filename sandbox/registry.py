"""The universe's agencies in the registry CSV format of ARCHITECTURE.md.

``report_url`` is left empty for most bodies (finding the annual-report column is the
crawler's job) and given for a few, as a real registry compiled by hand would be.
"""

from __future__ import annotations

import csv
import io

from sandbox.portals import family_for
from sandbox.universe import Universe, stable_hash

REGISTRY_FIELDS = ("agency_id", "name", "region_code", "level", "kind", "portal_url", "report_url", "render")


def registry_rows(universe: Universe) -> list[dict[str, str]]:
    rows = []
    for a in universe.agencies.values():
        portal = universe.portals[a.host]
        fam = family_for(portal.family)
        report_url = ""
        if stable_hash(universe.seed, a.id, "known") % 6 == 0:
            report_url = f"http://{a.host}{fam.column_path(portal, portal.column_of(a.id))}"
        render = "always" if portal.family == "hanweb" and stable_hash(a.id, "render") % 5 == 0 else "auto"
        rows.append({
            "agency_id": a.id, "name": a.name, "region_code": a.region_code, "level": a.level,
            "kind": a.kind, "portal_url": f"http://{a.host}/", "report_url": report_url, "render": render,
        })
    return rows


def registry_csv(universe: Universe) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, REGISTRY_FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(registry_rows(universe))
    return out.getvalue()
