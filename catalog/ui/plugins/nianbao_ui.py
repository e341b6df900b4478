"""nianbao's Datasette plugin: the coverage grid, evidence links, and robots.txt.

Loaded with ``--plugins-dir`` by ``nianbao serve``. Kept small and free of network assets
(no CDN): the grid is server-rendered HTML and CSS.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from urllib.parse import urlencode

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


# Tables whose agency_id cells link to the agency's history (a stored query): from any status
# row a watchdog is one click from every year of that agency, and from there from its evidence.
HISTORY_LINKED = {"status", "status_view", "reports", "expectations", "crawl_seeds"}


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column == "agency_id" and table in HISTORY_LINKED and isinstance(value, str) and value:
        href = datasette.urls.query(database, "agency_history") + "?" + urlencode(
            {"agency_id": value})
        return Markup(f'<a class="history" href="{escape(href)}" '
                      f'title="history 历年情况">{escape(value)}</a>')
    if column not in ("evidence", "evidence_first") or not isinstance(value, str):
        return None
    try:
        evidence = json.loads(value)
    except ValueError:
        return None
    if isinstance(evidence, dict):  # evidence_first: one record
        evidence = [evidence]
    if not isinstance(evidence, list):
        return None
    return evidence_html([e for e in evidence if isinstance(e, dict)], _replay_base(datasette))


def _prefix_len(parent: str) -> int:
    """Rows of the grid are the divisions one level below ``parent``: provinces (2 digits),
    then prefectures (4), then counties (6)."""
    return {0: 2, 2: 4, 4: 6}.get(len(parent), 6)


async def coverage(request, datasette):
    """Region × year grid, coloured by the worst status in each cell, with counts.

    Starts at provinces and drills down (prefectures, counties) so it stays readable and fast
    at national scale; every cell links to the agency list behind it.
    """
    db = datasette.get_database("catalog")
    parent = "".join(ch for ch in (request.args.get("parent") or "") if ch.isdigit())[:6]
    parent = parent.rstrip("0") if len(parent) == 6 else parent
    if len(parent) % 2:
        parent += "0"
    width = _prefix_len(parent)
    level = request.args.get("level") or ""
    rows = await db.execute(
        f"""
        select substr(region_code, 1, {width}) as prefix, year, status, sum(n) as n
        from coverage_counts
        where region_code >= :parent and region_code < :parent || 'a'
          and (:level = '' or level = :level)
        group by prefix, year, status
        """,  # a range on the primary key, not LIKE (which cannot use it): codes are digits
        {"parent": parent, "level": level},
    )
    cells: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    prefixes: set[str] = set()
    years: set[int] = set()
    for row in rows:
        cells[(row["prefix"], row["year"])][row["status"]] = row["n"]
        prefixes.add(row["prefix"])
        years.add(row["year"])
    codes = {p: p.ljust(6, "0") for p in prefixes}
    names: dict[str, str] = {}
    if codes:
        marks = ",".join("?" * len(codes))
        for row in await db.execute(
            f"select code, name from regions where code in ({marks})", list(codes.values())
        ):
            names[row["code"]] = row["name"]
    status_url = datasette.urls.table("catalog", "status_view")
    grid = []
    for prefix in sorted(prefixes):
        line = []
        for year in sorted(years):
            counts = cells.get((prefix, year), {})
            worst = next((st for st in SEVERITY if counts.get(st)), None)
            href = f"{status_url}?region_code__startswith={prefix}&year={year}"
            if worst in ("missing", "late", "unverified"):
                href += f"&status={worst}"
            if level:
                href += f"&level={level}"
            line.append({"year": year, "counts": counts, "worst": worst, "href": href})
        drill = None
        if width < 6:
            drill = f"?parent={prefix}" + (f"&level={level}" if level else "")
        grid.append({"code": codes[prefix], "name": names.get(codes[prefix], codes[prefix]),
                     "cells": line, "drill": drill})
    crumbs = [("全国 all", "?")]
    for w in (2, 4):
        if len(parent) >= w:
            code = parent[:w].ljust(6, "0")
            name = names.get(code)
            if name is None:
                found = await db.execute("select name from regions where code = ?", [code])
                first = found.first()
                name = first["name"] if first else code
            crumbs.append((name, f"?parent={parent[:w]}"))
    return Response.html(
        await datasette.render_template(
            "coverage.html",
            {"grid": grid, "years": sorted(years), "labels": LABELS, "severity": SEVERITY,
             "level": level, "parent": parent, "trail": crumbs},
            request=request,
        )
    )


async def robots(request, datasette):
    return Response.text("User-agent: *\nDisallow: /\n")


@hookimpl
def register_routes():
    return [(r"^/-/coverage$", coverage), (r"^/robots\.txt$", robots)]
