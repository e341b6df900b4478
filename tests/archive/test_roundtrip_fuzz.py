"""Whatever a server sends, what we archive reads back as sent: random bodies, statuses and
header sets (Latin-1 bytes in values, repeated names) survive the round trip and verify."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.exchange import Exchange
from archive.httpblock import response_has_body
from archive.reader import read_record
from archive.verify import verify_data_dir
from archive.writer import ArchiveWriter

POLICY = {"content-length", "transfer-encoding"}
names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,15}\Z").filter(lambda n: n.lower() not in POLICY)
values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                        blacklist_characters="\x7f"), max_size=40).map(str.strip)
exchanges = st.builds(
    lambda status, headers, body, te, trunc, method: Exchange(
        url="http://fuzz.test/p?q=1", method=method, request_headers=[("Accept", "*/*")],
        request_body=b"", status=status, reason="R", http_version="HTTP/1.1",
        response_headers=headers + ([("Transfer-Encoding", "chunked")] if te else []),
        body=body, fetched_at=datetime.now(UTC), truncated=trunc),
    st.sampled_from([200, 204, 206, 301, 404, 412, 500, 521]),
    st.lists(st.tuples(names, values), max_size=8),
    st.binary(max_size=3000),
    st.booleans(),
    st.sampled_from([None, "length", "disconnect"]),
    st.sampled_from(["GET", "POST", "HEAD"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(exchanges, min_size=1, max_size=4))
def test_round_trip(batch):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with ArchiveWriter(data, crawl_id="fuzz", warcinfo={}, dedup_min_size=1) as w:
            locations = [w.write_exchange(ex) for ex in batch]
        report = verify_data_dir(data)
        assert report.ok, [str(p) for p in report.problems]
        for ex, loc in zip(batch, locations, strict=True):
            rec = read_record(data / "warcs" / loc.filename, loc.offset)
            assert rec.http_status == ex.status
            kept = [(k, v) for k, v in rec.http_headers
                    if k.lower() not in POLICY and not k.startswith("X-Archive-Orig-")]
            assert kept == [(k, v) for k, v in ex.response_headers if k.lower() not in POLICY]
            if rec.rec_type == "response":
                assert rec.payload == ex.body
            else:   # an earlier record of this batch holds the same payload
                assert rec.rec_type == "revisit" and not ex.truncated
                assert any(o.body == ex.body for o in batch)
            if response_has_body(ex):
                assert rec.http_header("Content-Length") == str(len(ex.body))
