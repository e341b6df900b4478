"""Validators and 304s: static files and static-publishing CMS pages carry Last-Modified/ETag
and answer a matching conditional request with 304 Not Modified; dynamic answers carry none;
a document edited since the validator was taken is sent again in full with new validators."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from sandbox.validators import not_modified
from tests.sandbox.http_helpers import get

ETAG = [("ETag", '"5f0-1a"'), ("Last-Modified", "Tue, 01 Mar 2022 09:30:00 GMT")]


@pytest.mark.parametrize(("method", "headers", "expected"), [
    ("GET", {"if-none-match": '"5f0-1a"'}, True),
    ("HEAD", {"if-none-match": '"other", W/"5f0-1a"'}, True),   # weak comparison, a list
    ("GET", {"if-none-match": "*"}, True),
    ("GET", {"if-none-match": '"other"'}, False),
    # If-None-Match decides when present: a matching date does not rescue a stale tag
    ("GET", {"if-none-match": '"other"', "if-modified-since": "Tue, 01 Mar 2022 09:30:00 GMT"}, False),
    ("GET", {"if-modified-since": "Tue, 01 Mar 2022 09:30:00 GMT"}, True),
    ("GET", {"if-modified-since": "Wed, 02 Mar 2022 00:00:00 GMT"}, True),
    ("GET", {"if-modified-since": "Tue, 01 Mar 2022 09:29:59 GMT"}, False),
    ("GET", {"if-modified-since": "yesterday"}, False),          # unparseable: ignored
    ("POST", {"if-none-match": '"5f0-1a"'}, False),
    ("GET", {}, False),
])
def test_conditional_request_rules(method, headers, expected):
    assert not_modified(method, headers, ETAG) is expected


def test_no_validator_no_304():
    assert not not_modified("GET", {"if-none-match": '"x"'}, [("Last-Modified", ETAG[1][1])])
    assert not not_modified("GET", {"if-modified-since": ETAG[1][1]}, [("ETag", '"x"')])


@pytest.fixture(scope="module")
def sb():
    from sandbox.testing import running_sandbox

    with running_sandbox(seed=1, size="small", faults="none") as handle:
        yield handle


def _reports(sb, **want):
    for r in sb.universe.reports.values():
        portal = sb.universe.portals.get(r.host)
        if r.appeared is None or portal is None or not r.visible(sb.as_of):
            continue
        if all(getattr(r, k) == v if k != "family" else portal.family == v for k, v in want.items()):
            yield r


def _file_url(r) -> str | None:
    for path in r.attachment_paths:
        if "downfile.jsp" not in path:
            return f"http://{r.host}{path}"
    return None


def test_documents_and_robots_carry_validators_and_answer_304(sb):
    r = next(r for r in _reports(sb) if _file_url(r))
    for url in (_file_url(r), f"http://{r.host}/robots.txt"):
        full = get(sb.proxy_url, url)
        assert full.status == 200
        etag, lm = full.headers["etag"], full.headers["last-modified"]
        assert parsedate_to_datetime(lm) <= parsedate_to_datetime(full.headers["date"])
        for cond in ({"If-None-Match": etag}, {"If-Modified-Since": lm}):
            again = get(sb.proxy_url, url, headers=cond)
            assert again.status == 304, (url, cond)
            assert again.body == b""
            assert again.headers["etag"] == etag and again.headers["last-modified"] == lm
        older = format_datetime(parsedate_to_datetime(lm) - dt.timedelta(seconds=1), usegmt=True)
        assert get(sb.proxy_url, url, headers={"If-Modified-Since": older}).status == 200
        assert get(sb.proxy_url, url, headers={"If-None-Match": '"stale-0"'}).status == 200
    log = sb.state()
    assert any(e["status"] == 304 and e["url"] == _file_url(r) for e in log)


def test_gzipped_answers_have_weak_etags_that_still_match(sb):
    for r in _reports(sb):
        url = _file_url(r)
        if url is None:
            continue
        ans = get(sb.proxy_url, url, headers={"Accept-Encoding": "gzip"})
        if ans.headers.get("content-encoding") == "gzip":
            break
    else:
        pytest.fail("the sandbox gzips no document")
    assert ans.headers["etag"].startswith('W/"')
    plain = get(sb.proxy_url, url)
    assert plain.headers["etag"] == ans.headers["etag"][2:]   # same opaque tag, strong
    again = get(sb.proxy_url, url, headers={"Accept-Encoding": "gzip",
                                            "If-None-Match": ans.headers["etag"]})
    assert again.status == 304


@pytest.mark.parametrize(("family", "has_lm", "has_etag"), [
    ("static", True, True), ("trs", True, True), ("hanweb", True, False), ("gd", False, True)])
def test_report_page_validators_per_cms_family(sb, family, has_lm, has_etag):
    r = next(_reports(sb, family=family), None)
    assert r is not None, f"the small universe should have a {family} portal with a report"
    ans = get(sb.proxy_url, f"http://{r.host}{r.page_path}")
    assert ans.status == 200
    assert ("last-modified" in ans.headers) is has_lm
    assert ("etag" in ans.headers) is has_etag


def test_dynamic_answers_have_no_validators(sb):
    hanweb = next(r for r in _reports(sb, family="hanweb") if r.attachment_paths)
    script = f"http://{hanweb.host}{hanweb.attachment_paths[0]}"
    assert "downfile.jsp" in script
    portal = next(iter(sb.universe.portals.values()))
    for url in (script, f"http://{portal.host}/", f"http://{portal.host}/no/such/page.html"):
        ans = get(sb.proxy_url, url, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
        assert ans.status in (200, 404), url
        assert "etag" not in ans.headers and "last-modified" not in ans.headers, url


def test_an_edited_document_is_sent_again_with_new_validators(sb):
    edited = next(r for r in sb.universe.reports.values()
                  if r.outcome == "edited" and r.edited and _file_url(r)
                  and sb.universe.portals[r.host].family in ("static", "trs"))
    url, page = _file_url(edited), f"http://{edited.host}{edited.page_path}"
    try:
        sb.set_clock(edited.edited - dt.timedelta(days=1))
        before = {u: get(sb.proxy_url, u) for u in (url, page)}
        sb.set_clock(edited.edited + dt.timedelta(days=1))
        for u, old in before.items():
            after = get(sb.proxy_url, u, headers={"If-None-Match": old.headers["etag"],
                                                  "Accept-Encoding": "identity"})
            assert after.status == 200, u
            assert after.body != old.body, u
            assert after.headers["etag"] != old.headers["etag"], u
            assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(
                old.headers["last-modified"]), u
            assert get(sb.proxy_url, u, headers={
                "If-Modified-Since": old.headers["last-modified"]}).status == 200, u
            assert get(sb.proxy_url, u, headers={
                "If-None-Match": after.headers["etag"]}).status == 304, u
    finally:
        sb.set_clock("2026-06-30")
