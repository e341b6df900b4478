"""The crawl report counts the failed attempts that were retried, by class: without them a fault
that a retry cured would leave no trace in the report (its URL's final answer is ``ok``)."""

from __future__ import annotations

import pytest

from crawler import classify as rc
from crawler.report import build_report


@pytest.mark.parametrize("reason,expected", [
    ("503 Service Unavailable", rc.SERVER_ERROR),
    ("504 Gateway Time-out", rc.SERVER_ERROR),
    ("429 Unknown Status", rc.RATE_LIMITED),
    ("408 Request Timeout", rc.TIMEOUT),
    ("dataloss", rc.TRUNCATED),
    ("twisted.internet.error.TimeoutError", rc.TIMEOUT),
    ("twisted.internet.error.ConnectionLost", rc.NETWORK_ERROR),
    ("twisted.web._newclient.ResponseNeverReceived", rc.NETWORK_ERROR),
])
def test_retry_reasons_are_classified(reason, expected):
    assert rc.classify_retry_reason(reason) == expected


def test_report_totals_count_retried_attempts_by_class():
    stats = {"retry/count": 6, "retry/reason_count/503 Service Unavailable": 2,
             "retry/reason_count/500 Internal Server Error": 1,
             "retry/reason_count/429 Unknown Status": 1, "retry/reason_count/dataloss": 1,
             "retry/reason_count/twisted.internet.error.TimeoutError": 1,
             "retry/max_reached": 0}
    report = build_report([], agencies=[], crawl_id="c", stopped_by=None, warc_files=[],
                          stats=stats)
    assert report["totals"]["retried"] == {"rate_limited": 1, "server_error": 3, "timeout": 1,
                                           "truncated": 1}
