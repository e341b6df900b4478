"""nianbao's Datasette plugin: the coverage grid, evidence links, and robots.txt.

Loaded with ``--plugins-dir`` by ``nianbao serve``. Kept small and free of network assets
(no CDN): the grid is server-rendered HTML and CSS.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

SEVERITY = ["missing", "unverified", "late", "on_time", "not_due"]
LABELS = {"on_time": "按时 on time", "late": "逾期 late", "missing": "未发布 missing",
          "unverified": "无法核实 unverified", "not_due": "未到期 not due"}


def _replay_base(datasette) -> str:
    config = datasette.plugin_config("nianbao") or {}
    return (config.get("replay_url") or "").rstrip("/")


def _timestamp(captured_at: str) -> str:
    return re.sub(r"\D", "", captured_at or "")[:14]


def evidence_html(evidence: list[dict], replay_base: str) -> Markup:
    """One line per archived record: a replay link (when pywb runs) and the WARC citation."""
    parts = []
    for ev in evidence[:5]:
        cite = f"{ev.get('warc_file')}#{ev.get('offset')}"
        link = ""
        if replay_base and ev.get("url"):
            href = f"{replay_base}/{_timestamp(ev.get('captured_at', ''))}/{ev['url']}"
            link = f'<a class="replay" href="{escape(href)}">replay 回放</a> '
        parts.append(f'{link}<code title="{escape(ev.get("record_id", ""))}">{escape(cite)}</code>')
    return Markup("<br>".join(parts))


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column != "evidence" or not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        evidence = json.loads(value)
    except ValueError:
        return None
    return evidence_html(evidence, _replay_base(datasette))


async def coverage(request, datasette):
    """Region × year grid coloured by the worst status in each cell, with counts."""
    db = datasette.get_database("catalog")
    level = request.args.get("level") or ""
    rows = await db.execute(
        """
        select a.region_code, coalesce(r.name, a.region_code) as region_name, s.year, s.status,
               count(*) as n
        from status s join agencies a on a.agency_id = s.agency_id
        left join regions r on r.code = a.region_code
        where (:level = '' or a.level = :level)
        group by a.region_code, s.year, s.status
        order by a.region_code
        """,
        {"level": level},
    )
    cells: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    names: dict[str, str] = {}
    years: set[int] = set()
    for row in rows:
        cells[(row["region_code"], row["year"])][row["status"]] = row["n"]
        names[row["region_code"]] = row["region_name"]
        years.add(row["year"])
    grid = []
    for code in sorted(names):
        line = []
        for year in sorted(years):
            counts = cells.get((code, year), {})
            worst = next((s for s in SEVERITY if counts.get(s)), None)
            line.append({"year": year, "counts": counts, "worst": worst,
                         "href": datasette.urls.table("catalog", "status_view")
                         + f"?region_code={code}&year={year}"
                         + (f"&status={worst}" if worst in ("missing", "late", "unverified") else "")})
        grid.append({"code": code, "name": names[code], "cells": line})
    return Response.html(
        await datasette.render_template(
            "coverage.html",
            {"grid": grid, "years": sorted(years), "labels": LABELS, "severity": SEVERITY,
             "level": level},
            request=request,
        )
    )


async def robots(request, datasette):
    return Response.text("User-agent: *\nDisallow: /\n")


@hookimpl
def register_routes():
    return [(r"^/-/coverage$", coverage), (r"^/robots\.txt$", robots)]
