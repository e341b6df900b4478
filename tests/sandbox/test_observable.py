"""What a crawl history can prove, from the sandbox's side (DOMAIN.md §1 rules)."""

import datetime as dt

from sandbox.observable import observable_status

D = dt.date


def row(**kw):
    base = {"year": 2023, "deadline": "2024-01-31", "expected_status": "on_time",
            "reachable": True, "appeared_date": "2024-01-20", "withdrawn_date": None,
            "published_date": "2024-01-20", "date_evidence": "meta", "url_date": None}
    return base | kw


def test_dated_report_is_judged_by_its_date():
    assert observable_status(row(), [D(2024, 6, 1)], D(2024, 6, 30)) == ("on_time", None)
    late = row(appeared_date="2024-02-10", published_date="2024-02-10")
    assert observable_status(late, [D(2024, 6, 1)], D(2024, 6, 30)) == ("late", 10)


def test_backdated_report_needs_a_crawl_that_saw_it_absent():
    r = row(appeared_date="2024-03-05", published_date="2024-01-10", expected_status="late")
    assert observable_status(r, [D(2024, 6, 1)], D(2024, 6, 30)) == ("on_time", None)
    assert observable_status(r, [D(2024, 2, 1), D(2024, 6, 1)], D(2024, 6, 30)) == ("late", 1)


def test_undated_report_needs_a_crawl_by_the_deadline():
    r = row(date_evidence="none")
    assert observable_status(r, [D(2024, 6, 1)], D(2024, 6, 30)) == ("unverified", None)
    assert observable_status(r, [D(2024, 1, 31), D(2024, 6, 1)], D(2024, 6, 30)) == ("on_time", None)


def test_lying_url_date_is_no_evidence():
    r = row(date_evidence="url", url_date="2023-04-22")
    assert observable_status(r, [D(2024, 6, 1)], D(2024, 6, 30)) == ("unverified", None)


def test_never_published_and_withdrawn_before_any_crawl_are_missing():
    never = row(appeared_date=None, published_date=None, date_evidence=None)
    assert observable_status(never, [D(2024, 6, 1)], D(2024, 6, 30)) == ("missing", None)
    gone = row(withdrawn_date="2024-03-01")
    assert observable_status(gone, [D(2024, 6, 1)], D(2024, 6, 30)) == ("missing", None)
    assert observable_status(gone, [D(2024, 2, 1), D(2024, 6, 1)], D(2024, 6, 30))[0] == "on_time"


def test_unreachable_and_not_due():
    assert observable_status(row(expected_status="unverified", reachable=False),
                             [D(2024, 6, 1)], D(2024, 6, 30)) == ("unverified", None)
    assert observable_status(row(appeared_date=None), [], D(2024, 1, 20)) == ("not_due", None)


def test_flags_need_crawls_on_both_sides_of_the_event():
    from sandbox.observable import observable_flags

    crawls = [D(2024, 2, 1), D(2024, 4, 1), D(2024, 6, 1)]
    gone = row(withdrawn_date="2024-05-01")
    assert observable_flags(gone, crawls, D(2024, 6, 30)) == {"withdrawn"}
    assert observable_flags(gone, crawls[:2], D(2024, 6, 30)) == set()  # nobody looked since
    edited = row(edited_date="2024-03-01")
    assert observable_flags(edited, crawls, D(2024, 6, 30)) == {"changed"}
    assert observable_flags(edited, crawls[1:], D(2024, 6, 30)) == set()  # never saw the old one
    back = row(outcome="backdated", appeared_date="2024-03-05", published_date="2024-01-10")
    assert observable_flags(back, crawls, D(2024, 6, 30)) == {"backdated"}
    assert observable_flags(back, crawls[1:], D(2024, 6, 30)) == set()
    assert observable_flags(row(reachable=False, withdrawn_date="2024-05-01"), crawls,
                            D(2024, 6, 30)) == set()
