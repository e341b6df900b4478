"""Ground truth matches what is served, and its statuses follow DOMAIN.md."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote, urlsplit

from sandbox.truth import FIELDS
from tests.sandbox.http_helpers import get, links


def test_every_visible_report_page_is_served_and_links_its_attachments(sandbox_small):
    sb = sandbox_small
    rows = [r for r in sb.truth() if r["visible_as_of"]]
    assert len(rows) > 100
    for row in rows:
        ans = get(sb.proxy_url, row["page_url"])
        assert ans.status == 200, row["page_url"]
        hrefs = {unquote(h) for h, _ in links(ans, row["page_url"])}
        for att in row["attachment_urls"]:
            assert unquote(att) in hrefs, (row["page_url"], att)
        assert urlsplit(row["page_url"]).hostname.endswith(".gov.test")


def test_invisible_reports_are_not_served(sandbox_small):
    sb = sandbox_small
    gone = [r for r in sb.truth() if r["page_url"] and not r["visible_as_of"]]
    assert gone  # withdrawn ones
    for row in gone[:10]:
        assert get(sb.proxy_url, row["page_url"]).status == 404


def test_rows_have_every_field_and_consistent_statuses(sandbox_small):
    rows = sandbox_small.truth()
    agencies = len(sandbox_small.universe.agencies)
    assert len(rows) == agencies * 11
    for row in rows:
        assert set(row) == set(FIELDS)
        deadline = dt.date.fromisoformat(row["deadline"])
        status = row["expected_status"]
        if status == "on_time":
            assert dt.date.fromisoformat(row["published_date"]) <= deadline
        elif status == "late":
            assert row["days_late"] > 0
        elif status == "missing":
            assert not row["visible_as_of"] and deadline < dt.date(2026, 6, 30)
        elif status == "not_due":
            assert deadline >= dt.date(2026, 6, 30)
        if row["visible_as_of"] and row["template"] != "2008":
            assert "received" in row["t3"] and "total" in row["t3"]["received"]
            assert set(row["t4"]) == {"review", "suit_direct", "suit_after_review"}
    statuses = {r["expected_status"] for r in rows}
    assert {"on_time", "late", "missing"} <= statuses


def test_truth_is_evaluated_as_of_the_date(sandbox_small):
    early = sandbox_small.truth("2017-02-01")
    assert {r["expected_status"] for r in early if r["year"] == 2016} == {"not_due", "on_time"}
    assert {r["expected_status"] for r in early if r["year"] == 2015} >= {"on_time", "missing"}
    later = [r for r in early if r["year"] >= 2017]
    assert all(r["page_url"] is None and r["expected_status"] == "not_due" for r in later)
