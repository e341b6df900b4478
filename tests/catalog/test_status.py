"""The status verdict for one (agency, year): DOMAIN.md §1 and §6 as executable rules."""

import datetime as dt

from catalog.status import Coverage, FoundReport, decide

DEADLINE = dt.date(2024, 1, 31)
AS_OF = dt.date(2024, 6, 30)


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day + "T10:00:00+00:00")


COMPLETE_AFTER = [Coverage(at("2024-05-01"), complete=True)]


def test_published_on_the_deadline_day_is_on_time():
    v = decide(deadline=DEADLINE, as_of=AS_OF, coverage=COMPLETE_AFTER,
               report=FoundReport(at("2024-03-01"), dt.date(2024, 1, 31), "meta_pubdate"))
    assert v.status == "on_time" and v.date_basis == "published:meta_pubdate"


def test_late_counts_days_after_the_deadline():
    v = decide(deadline=DEADLINE, as_of=AS_OF, coverage=COMPLETE_AFTER,
               report=FoundReport(at("2024-03-01"), dt.date(2024, 2, 15), "page_date"))
    assert (v.status, v.days_late) == ("late", 15)


def test_missing_needs_a_complete_crawl_after_the_deadline():
    v = decide(deadline=DEADLINE, as_of=AS_OF, report=None, coverage=COMPLETE_AFTER)
    assert v.status == "missing"


def test_challenged_or_cut_short_is_unverified_never_missing():
    cov = [Coverage(at("2024-05-01"), complete=False, reason="challenged (412)")]
    v = decide(deadline=DEADLINE, as_of=AS_OF, report=None, coverage=cov)
    assert v.status == "unverified" and "412" in v.reason


def test_complete_crawl_before_the_deadline_proves_nothing():
    cov = [Coverage(at("2024-01-15"), complete=True)]
    assert decide(deadline=DEADLINE, as_of=AS_OF, report=None, coverage=cov).status == "unverified"


def test_not_due_before_the_deadline():
    v = decide(deadline=DEADLINE, as_of=dt.date(2024, 1, 20), report=None, coverage=[])
    assert v.status == "not_due"


def test_a_report_seen_after_as_of_does_not_count():
    report = FoundReport(at("2024-08-01"), dt.date(2024, 1, 10), "meta_pubdate")
    v = decide(deadline=DEADLINE, as_of=AS_OF, report=report, coverage=COMPLETE_AFTER)
    assert v.status == "missing"


def test_undated_report_archived_before_the_deadline_is_on_time():
    v = decide(deadline=DEADLINE, as_of=AS_OF, coverage=[],
               report=FoundReport(at("2024-01-20")))
    assert (v.status, v.date_basis) == ("on_time", "first_seen")


def test_undated_report_first_seen_after_the_deadline_is_not_called_late():
    v = decide(deadline=DEADLINE, as_of=AS_OF, coverage=[],
               report=FoundReport(at("2024-03-20")))
    assert v.status == "unverified"


def test_undated_report_absent_from_an_earlier_complete_crawl_is_late():
    cov = [Coverage(at("2024-02-10"), complete=True)]
    v = decide(deadline=DEADLINE, as_of=AS_OF, coverage=cov, report=FoundReport(at("2024-03-20")))
    assert (v.status, v.days_late, v.date_basis) == ("late", 10, "absent_in_crawl")


def test_backdated_claim_is_flagged_and_not_believed():
    # Absent on 20 Jan and on 10 Feb, first seen 1 Mar, claiming 10 Jan: late by at least 10 days.
    cov = [Coverage(at("2024-01-20"), complete=True), Coverage(at("2024-02-10"), complete=True)]
    report = FoundReport(at("2024-03-01"), dt.date(2024, 1, 10), "meta_pubdate")
    v = decide(deadline=DEADLINE, as_of=AS_OF, coverage=cov, report=report)
    assert (v.status, v.days_late) == ("late", 10) and "backdated" in v.flags


def test_backdated_claim_with_no_absence_after_the_deadline_is_unverified():
    cov = [Coverage(at("2024-01-20"), complete=True)]
    report = FoundReport(at("2024-03-01"), dt.date(2024, 1, 10), "meta_pubdate")
    v = decide(deadline=DEADLINE, as_of=AS_OF, coverage=cov, report=report)
    assert v.status == "unverified" and "backdated" in v.flags


def test_claimed_date_after_the_capture_is_not_believed():
    report = FoundReport(at("2024-01-20"), dt.date(2024, 5, 1), "url")
    v = decide(deadline=DEADLINE, as_of=AS_OF, coverage=[], report=report)
    assert v.status == "on_time" and "date_after_capture" in v.flags
