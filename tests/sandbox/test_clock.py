"""The server clock: pages exist from publication, withdrawn ones vanish, edited ones change."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.sandbox.http_helpers import get

DAY = dt.timedelta(days=1)


@pytest.fixture
def sb(sandbox_factory):
    return sandbox_factory(seed=1, size="small")


def _report(sb, outcome: str, **cond):
    for r in sb.universe.reports.values():
        if r.outcome == outcome and all(getattr(r, k) == v for k, v in cond.items()):
            if r.presentation in ("inline", "both") and r.withdrawn is None or outcome == "withdrawn":
                return r
    raise AssertionError(f"no {outcome} report")


def _url(r) -> str:
    return f"http://{r.host}{r.page_path}"


def test_page_exists_only_from_publication_day(sb):
    r = _report(sb, "late")
    sb.set_clock(r.appeared - DAY)
    assert get(sb.proxy_url, _url(r)).status == 404
    column = sb.site.handle(r.host, r.page_path, "", r.appeared - DAY)
    assert column.status == 404
    sb.set_clock(r.appeared)
    assert get(sb.proxy_url, _url(r)).status == 200


def test_withdrawn_reports_vanish_with_their_attachments(sb):
    r = next(r for r in sb.universe.reports.values() if r.outcome == "withdrawn" and r.attachments)
    sb.set_clock(r.withdrawn - DAY)
    assert get(sb.proxy_url, _url(r)).status == 200
    sb.set_clock(r.withdrawn)
    assert get(sb.proxy_url, _url(r)).status == 404
    assert get(sb.proxy_url, f"http://{r.host}{r.attachment_paths[0]}").status == 404
    row = next(t for t in sb.truth() if t["page_url"] == _url(r))
    assert row["visible_as_of"] is False and row["expected_status"] == "missing"


def test_edited_reports_change_content_on_the_edit_date(sb):
    r = _report(sb, "edited", template="2021")
    sb.set_clock(r.edited - DAY)
    before = get(sb.proxy_url, _url(r)).body
    truth_before = next(t for t in sb.truth() if t["page_url"] == _url(r))
    sb.set_clock(r.edited)
    after = get(sb.proxy_url, _url(r)).body
    truth_after = next(t for t in sb.truth() if t["page_url"] == _url(r))
    assert before != after
    assert truth_before["consistent"] is False and truth_after["consistent"] is True
    assert truth_after["edited_date"] == r.edited.isoformat() and truth_before["edited_date"] is None


def test_backdated_report_appears_late_but_claims_an_early_date(sb):
    r = _report(sb, "backdated")
    sb.set_clock(r.deadline)
    assert get(sb.proxy_url, _url(r)).status == 404
    sb.set_clock(r.appeared)
    html = get(sb.proxy_url, _url(r)).text()
    assert r.published.isoformat() in html
    row = next(t for t in sb.truth() if t["page_url"] == _url(r))
    assert row["expected_status"] == "late" and row["published_date"] <= row["deadline"]


def test_clock_moves_over_http_and_rejects_bad_dates(sb):
    ans = get(sb.proxy_url, "http://sandbox.test/__clock?date=2020-02-01", method="POST")
    assert ans.status == 200 and json.loads(ans.body) == {"as_of": "2020-02-01"}
    assert sb.as_of == dt.date(2020, 2, 1)
    assert get(sb.proxy_url, "http://sandbox.test/__clock?date=2020-13-01", method="POST").status == 400
    assert sb.as_of == dt.date(2020, 2, 1)


def test_reports_not_yet_due_are_not_due(sb):
    rows = sb.truth("2020-01-15")
    due_2019 = [r for r in rows if r["year"] == 2019]
    assert due_2019 and all(r["expected_status"] in ("not_due", "on_time") for r in due_2019)
    assert all(r["expected_status"] != "not_due" for r in rows if r["year"] <= 2017)
