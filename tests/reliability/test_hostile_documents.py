"""Hostile input: bombs, XXE, corrupt/encrypted/huge PDFs, malformed HTML and lying charsets.

Each document is parsed as the indexer parses it, in a subprocess under an address-space limit
(RLIMIT_AS), with its wall time and peak memory measured: it must come back (no hang, no crash,
no MemoryError escaping) with a warning that names the problem, and nothing from the local file
the XXE payloads point at may appear anywhere in the result. Then the same documents go through
``nianbao index`` on top of a catalog of good reports: every good row must still be there,
unchanged, and every hostile document gets its row with its warning.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.exchange import Exchange
from archive.writer import ArchiveWriter
from tests.parsers.formats.builders import docx_report, html_page, pdf_report, xlsx_book
from tests.reliability.hostile_docs import SECRET, Hostile, hostile_documents

REPO = Path(__file__).resolve().parents[2]
ADDRESS_SPACE_MB = 4096  # the whole parse (parent process) may not map more than this
PARSE_TIMEOUT = 240  # hang detector only: the parser's own deadline is Limits.max_seconds


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> tuple[Path, list[Hostile]]:
    tmp = tmp_path_factory.mktemp("hostile-docs")
    return tmp, hostile_documents(tmp)


def _limit_memory() -> None:
    limit = ADDRESS_SPACE_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def parse_in_subprocess(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "tests.reliability.parse_one", str(path)],
                         capture_output=True, text=True, timeout=PARSE_TIMEOUT, cwd=REPO,
                         preexec_fn=_limit_memory)
    assert out.returncode == 0, f"{path.name}: parser process failed:\n{out.stderr[-3000:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_each_hostile_document_is_parsed_bounded_with_a_clear_warning(documents, reliability_record):
    tmp, docs = documents
    results = {}
    for doc in docs:
        path = tmp / doc.name
        path.write_bytes(doc.data)
        got = parse_in_subprocess(path)
        results[doc.name] = got
        assert SECRET not in got["output"], f"{doc.name}: local file content leaked"
        if doc.words != ("",):
            joined = " ".join(got["warnings"]).lower()
            assert got["warnings"], f"{doc.name}: no warning"
            assert doc.name in joined, f"{doc.name}: the warning does not name the document: {joined}"
            for word in doc.words:
                assert word.lower() in joined, f"{doc.name}: warning lacks {word!r}: {joined}"
    # the big PDF is read up to the page cap, not to its end, and says so
    assert results["3000-pages.pdf"]["text_chars"] > 0
    assert any("3000" in w for w in results["3000-pages.pdf"]["warnings"])
    # a page whose bytes lie about their charset is still read as Chinese
    assert results["lying-charset.html"]["text_chars"] > 0
    assert "年度报告" in results["lying-charset.html"]["output"]
    slowest = max(results.items(), key=lambda kv: kv[1]["seconds"])
    biggest = max(results.items(), key=lambda kv: kv[1]["peak_mb"])
    reliability_record(
        "Hostile documents: bombs, XXE, corrupt/encrypted/huge PDFs, bad HTML",
        "each parsed as the indexer does, in a subprocess under RLIMIT_AS "
        f"{ADDRESS_SPACE_MB} MB; warning names the file and the problem; XXE target never read",
        area="hostile", inputs_tried=len(docs), kinds=", ".join(d.kind for d in docs),
        max_seconds=round(slowest[1]["seconds"], 1), slowest=slowest[0],
        peak_mb=round(biggest[1]["peak_mb"]), biggest=biggest[0], leaks=0)


def _write(data_dir: Path, pages: list[tuple[str, str, bytes]]) -> None:
    writer = ArchiveWriter(data_dir, crawl_id="hostile", warcinfo={"software": "reliability suite"})
    try:
        for url, ctype, body in pages:
            writer.write_exchange(Exchange(
                url=url, method="GET", request_headers=[("Host", url.split("/")[2])],
                request_body=b"", status=200, reason="OK", http_version="HTTP/1.1",
                response_headers=[("Content-Type", ctype), ("Content-Length", str(len(body)))],
                body=body, fetched_at=datetime.now(UTC), metadata={"role": "attachment"}))
    finally:
        writer.close()


def _rows(db: Path, table: str) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        cols = [r[1] for r in conn.execute(f"pragma table_info({table})")]
        key = "digest" if "digest" in cols else cols[0]
        return {str(r[cols.index(key)]): tuple(r) for r in conn.execute(f"select * from {table}")}


def _index(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", "index", "--data", str(data), "-j", "2"],
                          capture_output=True, text=True, timeout=900, cwd=REPO,
                          preexec_fn=_limit_memory)


def test_indexing_hostile_documents_loses_nothing_already_indexed(documents, tmp_path,
                                                                  reliability_record):
    _, docs = documents
    data = tmp_path / "data"
    base = "http://www.wuzhong.gov.test/xxgk/ndbg/"
    good = [(base + "2023.html", "text/html; charset=utf-8", html_page()),
            (base + "2023.pdf", "application/pdf", pdf_report()),
            (base + "2023.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             docx_report()),
            (base + "2023.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             xlsx_book())]
    _write(data, good)
    first = _index(data)
    assert first.returncode == 0, first.stderr[-3000:]
    db = data / "catalog.db"
    good_docs, good_captures = _rows(db, "documents"), _rows(db, "captures")
    assert len(good_docs) == len(good)
    good_reports = _rows(db, "reports")

    _write(data, [(base + "hostile/" + d.name, "application/octet-stream", d.data) for d in docs])
    second = _index(data)
    assert second.returncode == 0, second.stderr[-3000:]
    docs_after, captures_after = _rows(db, "documents"), _rows(db, "captures")
    lost = [k for k, row in good_docs.items() if docs_after.get(k) != row]
    lost += [k for k, row in good_captures.items() if captures_after.get(k) != row]
    lost += [k for k, row in good_reports.items() if _rows(db, "reports").get(k) != row]
    assert lost == []
    with sqlite3.connect(db) as conn:
        hostile_rows = conn.execute(
            "select c.url, d.warnings, d.text from captures c join documents d on d.digest = c.digest "
            "where c.url like ?", (base + "hostile/%",)).fetchall()
        dump = "\n".join(conn.iterdump())
    assert len({r[0] for r in hostile_rows}) == len(docs)  # every hostile document has its row
    warned = [url for url, warnings, _ in hostile_rows if json.loads(warnings or "[]")]
    assert len(warned) >= sum(1 for d in docs if d.words != ("",))
    assert SECRET not in dump
    reliability_record(
        "Hostile documents in the catalog",
        "index good reports, then a WARC of every hostile document on top: good rows unchanged, "
        "each hostile document indexed with its warning", area="hostile",
        inputs_tried=len(docs), good_rows_kept=len(good_docs) + len(good_captures) + len(good_reports),
        records_lost=len(lost), hostile_with_warning=len(warned))
