"""Archive write overhead: CPU seconds per 1,000 exchanges written by ``ArchiveWriter`` (full
records: response, request, metadata, dedup lookups, CDXJ) against a bare warcio
``WARCWriter`` writing the same exchanges as response+request pairs (the peer), and the growth
of a second identical crawl (revisits) against the peer writing everything again.
"""

from __future__ import annotations

import gzip
import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.exchange import Exchange
from archive.writer import ArchiveWriter
from bench.common import Row, measure

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def make_exchanges(n: int) -> list[Exchange]:
    """``n`` distinct exchanges shaped like a portal crawl: gzip-encoded HTML list and article
    pages built from the real seed reports, and one PDF in twenty (the real 290 KB report)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "seeds").glob("*.txt"))]
    pdf = (FIXTURES / "real" / "hongze-2023-annual-report.pdf").read_bytes()
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        if i % 20 == 19:
            body, headers = pdf + str(i).encode(), [("Content-Type", "application/pdf")]
        else:
            html = (f"<html><head><title>{i}</title></head><body><p>"
                    + texts[i % len(texts)] + f"</p><p>{i}</p></body></html>").encode("utf-8")
            body = gzip.compress(html, compresslevel=6, mtime=0)
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                       ("Transfer-Encoding", "chunked"), ("Server", "nginx")]
        out.append(Exchange(
            url=f"http://www.example.gov.test/zwgk/ndbg/{i // 50}/t{i}.html", method="GET",
            request_headers=[("User-Agent", "nianbao-bench/1"), ("Accept-Encoding", "gzip")],
            request_body=b"", status=200, reason="OK", http_version="HTTP/1.1",
            response_headers=headers, body=body, fetched_at=now, ip_address="127.0.0.1",
            metadata={"via": "http://www.example.gov.test/zwgk/ndbg/", "hops": 2,
                      "agency_id": "bench", "response_class": "ok"}))
    return out


def write_ours(data: Path, exchanges: list[Exchange], crawl_id: str) -> None:
    with ArchiveWriter(data, crawl_id=crawl_id, warcinfo={"operator": "bench"}) as w:
        for ex in exchanges:
            w.write_exchange(ex)


def write_peer(path: Path, exchanges: list[Exchange]) -> None:
    """Bare warcio: response and request records, digests computed by warcio, no dedup/index."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for ex in exchanges:
            http = StatusAndHeaders(f"{ex.status} {ex.reason}", ex.response_headers,
                                    protocol=ex.http_version)
            resp = writer.create_warc_record(ex.url, "response", payload=io.BytesIO(ex.body),
                                             length=len(ex.body), http_headers=http)
            req_http = StatusAndHeaders(f"{ex.method} / {ex.http_version}", ex.request_headers,
                                        is_http_request=True)
            req = writer.create_warc_record(ex.url, "request", payload=io.BytesIO(b""), length=0,
                                            http_headers=req_http)
            writer.write_request_response_pair(req, resp)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*.warc.gz"))


def run(quick: bool) -> list[Row]:
    n = 200 if quick else 1000
    exchanges = make_exchanges(n)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        peer_dir = tmp_path / "peer"
        peer_dir.mkdir()
        with measure() as peer:
            write_peer(peer_dir / "peer-1.warc.gz", exchanges)
        data = tmp_path / "ours"
        with measure() as ours:
            write_ours(data, exchanges, "first")
        first_size = _size(data)
        write_ours(data, exchanges, "second")
        growth = (_size(data) - first_size) / first_size
        peer_first = _size(peer_dir)
        write_peer(peer_dir / "peer-2.warc.gz", exchanges)
        peer_growth = (_size(peer_dir) - peer_first) / peer_first
    per = 1000 / n
    return [
        Row("archive", "write CPU per 1,000 exchanges", ours.cpu * per, "s",
            "warcio WARCWriter", peer.cpu * per,
            notes="ours adds metadata records, dedup lookups (SQLite), CDXJ"),
        Row("archive", "archive growth, 2nd identical crawl", growth * 100, "%",
            "warcio WARCWriter", peer_growth * 100, target="< 10%",
            notes="revisits instead of payloads"),
    ]


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick=True):
        print(row)
