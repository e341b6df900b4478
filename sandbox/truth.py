"""Ground truth: per (agency, year), what happened and what a correct crawler should conclude.

``expected_status`` is what a careful crawl of the sandbox as of the date should say:
``on_time``/``late`` when the report is visible (a backdated report counts from the day it
really appeared, so only a crawler that looked earlier and saw nothing can get it right),
``missing`` when it is due and absent (withdrawn reports included), ``not_due`` before the
deadline, and ``unverified`` when the body's site is permanently blocked or unreachable.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from sandbox.faults import FaultPlan
from sandbox.site import PAGE_VALIDATORS, Site
from sandbox.universe import Report, Universe

FIELDS = (
    "agency_id", "agency_name", "region_code", "level", "kind", "year", "outcome",
    "published_date", "appeared_date", "visible_as_of", "deadline", "expected_status", "days_late",
    "page_url", "attachment_urls", "formats", "template", "date_evidence", "url_date", "t3", "t4",
    "consistent", "reachable", "fault", "withdrawn_date", "edited_date", "mirror_urls",
    "last_modified",
)


def _iso(d: dt.date | None, on: dt.date) -> str | None:
    return d.isoformat() if d is not None and d <= on else None


def expected_status(r: Report, on: dt.date, reachable: bool) -> tuple[str, int | None]:
    """(status, days late) for one report as of ``on``."""
    visible = r.visible(on)
    if not visible:
        if on <= r.deadline:
            return "not_due", None
        return ("missing" if reachable else "unverified"), None
    if not reachable:
        return "unverified", None
    assert r.published is not None and r.appeared is not None
    effective = r.appeared if r.outcome == "backdated" else r.published
    if effective <= r.deadline:
        return "on_time", None
    return "late", (effective - r.deadline).days


def _sends_last_modified(universe: Universe, r: Report) -> bool:
    page_lm, _ = PAGE_VALIDATORS.get(universe.portals[r.host].family, (False, False))
    return page_lm or any("downfile.jsp" not in p for p in r.attachment_paths)


def truth_rows(universe: Universe, site: Site, plan: FaultPlan, on: dt.date) -> list[dict[str, Any]]:
    """One dict per (agency, year), in agency then year order."""
    mirrors: dict[str, list[str]] = {}
    for e in universe.extras.values():
        if e.kind == "mirror" and e.report_key and e.date <= on:
            mirrors.setdefault(e.report_key, []).append(f"http://{e.host}{e.path}")
    rows = []
    for agency in universe.agencies.values():
        fault = plan.permanent_for(agency.host)
        reachable = fault is None
        for r in universe.reports_of(agency.id):
            status, late = expected_status(r, on, reachable)
            appeared = r.appeared is not None and r.appeared <= on
            visible = r.visible(on)
            content = site.content(r, on) if visible else None
            formats = (["html"] if r.presentation in ("inline", "both") else []) + list(r.attachments)
            rows.append({
                "agency_id": agency.id, "agency_name": agency.name, "region_code": agency.region_code,
                "level": agency.level, "kind": agency.kind, "year": r.year, "outcome": r.outcome,
                "published_date": r.published.isoformat() if appeared and r.published else None,
                "appeared_date": _iso(r.appeared, on),
                "visible_as_of": visible, "deadline": r.deadline.isoformat(),
                "expected_status": status, "days_late": late,
                "page_url": f"http://{r.host}{r.page_path}" if appeared else None,
                "attachment_urls": [f"http://{r.host}{p}" for p in r.attachment_paths] if appeared else [],
                "formats": formats if appeared else [],
                "template": r.template, "date_evidence": r.date_evidence if appeared else None,
                "url_date": r.url_date.isoformat() if appeared and r.url_date else None,
                "t3": content.t3 if content else None, "t4": content.t4 if content else None,
                "consistent": content.consistent if content else None,
                "reachable": reachable, "fault": fault,
                "withdrawn_date": _iso(r.withdrawn, on), "edited_date": _iso(r.edited, on),
                "mirror_urls": mirrors.get(r.key, []),
                # the report page (or a file of it) is served with Last-Modified: the day its
                # bytes last changed, which a parser may take as the weakest publication date
                "last_modified": _sends_last_modified(universe, r),
            })
    return rows


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV with list/dict cells as JSON text."""
    out = io.StringIO()
    w = csv.DictWriter(out, FIELDS, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else
                    ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()
