"""The archive's cost, measured two ways.

*Writer* rows: CPU seconds per 1,000 exchanges written by ``ArchiveWriter`` (response, request
and metadata records, dedup lookups, CDXJ) against a bare warcio ``WARCWriter`` writing the same
exchanges as response+request pairs (the peer), on synthetic portal-shaped exchanges.

*Crawl* rows, on the real sandbox universe with the real crawler (``nianbao crawl``, in a
subprocess; the sandbox runs in this process, so its CPU is not counted):

* write overhead — the crawl's CPU seconds per 1,000 pages with WARC writing against the same
  crawl with the WARC extension switched off (``NIANBAO_WARC=false``), the peer;
* recrawl growth — a second identical crawl into the same data directory (revisits, 304s)
  against the first crawl's size; the peer is what a crawler without dedup adds (the first
  crawl again).
"""

from __future__ import annotations

import gzip
import io
import json
import resource
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.exchange import Exchange
from archive.writer import ArchiveWriter
from bench.common import Row, measure

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


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


def writer_rows(quick: bool) -> list[Row]:
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
    per = 1000 / n
    return [
        Row("archive", "writer CPU per 1,000 exchanges", ours.cpu * per, "s",
            "warcio WARCWriter", peer.cpu * per,
            notes="synthetic exchanges; ours adds metadata records, dedup (SQLite), CDXJ"),
        Row("archive", "writer growth, 2nd identical write", growth * 100, "%",
            "warcio WARCWriter", 100.0, notes="synthetic exchanges: revisits instead of payloads"),
    ]


# -- crawl level ------------------------------------------------------------------------------


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _crawl(sb, registry: Path, data: Path, crawl_id: str, *extra: str) -> tuple[float, int]:
    """One ``nianbao crawl`` of the whole registry: (CPU seconds of the crawler, answers the
    sandbox sent it)."""
    from tests.crawler.harness import crawl_command, env

    sb.reset_log()
    cpu0 = _children_cpu()
    result = subprocess.run(crawl_command(registry, data, sb.proxy_url, "--crawl-id", crawl_id,
                                          *extra), capture_output=True, text=True, env=env(),
                            cwd=ROOT)
    cpu = _children_cpu() - cpu0
    if result.returncode != 0:
        raise RuntimeError(f"bench_archive: crawl {crawl_id} failed:\n{result.stderr[-3000:]}")
    json.loads(result.stdout)  # the crawl report: the crawl finished
    return cpu, len(sb.state())


def _per_thousand(runs: list[tuple[float, int]], pages: int) -> float:
    """CPU seconds per 1,000 pages of the best run (the least disturbed by other load). Both
    variants are divided by the same page count, the WARC crawl's archived answers: without
    the archive a rendering browser's page request goes to the server again, so counting
    answers would flatter the crawl that writes nothing."""
    return min(cpu for cpu, _ in runs) / max(1, pages) * 1000


def crawl_rows(quick: bool) -> list[Row]:
    from sandbox.testing import running_sandbox
    from tests.crawler.harness import write_registry

    size = "small"  # both sizes: the medium universe takes most of an hour per crawl pair here
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(seed=1, size=size) as sb:
        tmp_path = Path(tmp)
        registry = write_registry(sb, tmp_path / "registry.csv")
        data, bare = tmp_path / "warc", tmp_path / "bare"
        # the sandbox renders documents once and caches them: warm it, so that neither
        # measured crawl pays for it (its CPU is not counted anyway, but its latency is)
        _crawl(sb, registry, tmp_path / "warm", "warm", "-s", "NIANBAO_WARC=false")
        runs = 1 if quick else 2
        with_warc, without = [], []
        for i in range(runs):  # alternate, so drift in machine load hits both alike
            without.append(_crawl(sb, registry, bare / str(i), "bare", "-s", "NIANBAO_WARC=false"))
            with_warc.append(_crawl(sb, registry, data if i == 0 else tmp_path / f"w{i}", "c1"))
        first_size = _size(data)
        _crawl(sb, registry, data, "c2")
        growth = (_size(data) - first_size) / first_size
        journal = [json.loads(line) for line in
                   (data / "crawls" / "c2" / "fetched.jsonl").read_text().splitlines()]
        pages = len((data / "crawls" / "c1" / "fetched.jsonl").read_text().splitlines())
    ours, peer = _per_thousand(with_warc, pages), _per_thousand(without, pages)
    not_modified = sum(1 for r in journal if r["status"] == 304)
    return [
        Row("archive", "crawl CPU per 1,000 pages, WARC on", ours, "s", "same crawl, WARC off",
            peer, target="overhead < 15%",
            notes=f"{size} sandbox, {pages} pages archived; overhead "
                  f"{100 * (ours / peer - 1):.1f}% (best of {len(with_warc)})"),
        Row("archive", "archive growth, 2nd identical crawl", growth * 100, "%",
            "no dedup (1st crawl again)", 100.0, target="< 10%",
            notes=f"{size} sandbox; {not_modified} of {len(journal)} answers were 304s "
                  "(server-not-modified revisits)"),
    ]


def run(quick: bool) -> list[Row]:
    return writer_rows(quick) + crawl_rows(quick)


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick=True):
        print(row)
