"""Format extraction throughput: documents per CPU-second, per format, against the tool a user
would reach for in the same run: ``pdftotext -layout`` (poppler-utils) for PDF and lxml's
``text_content()`` for HTML. Both peers give text only; ours also gives tables, fields and dates.

Inputs: the real 洪泽区 2023 report PDF and the small documents the format tests build (a portal
page with chrome and a merged-cell 表三, a ruled-table PDF, DOCX, XLSX, XLS). CPU seconds count
this process and its children (the isolated PDF reader, pdftotext), so figures are per core.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.common import Row, measure
from parsers.formats import extract
from tests.parsers.formats import builders

REAL_PDF = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real" / "hongze-2023-annual-report.pdf"


def _rate(n: int, cpu: float) -> float:
    return n / cpu if cpu > 0 else float("inf")


def _ours(data: bytes, name: str, n: int) -> float:
    extract(data, filename=name)  # warm imports
    with measure() as m:
        for _ in range(n):
            extract(data, filename=name)
    return _rate(n, m.cpu)


def _lxml_text(data: bytes, n: int) -> float:
    import lxml.html

    with measure() as m:
        for _ in range(n):
            lxml.html.document_fromstring(data).text_content()
    return _rate(n, m.cpu)


def _pdftotext(data: bytes, n: int) -> float | None:
    binary = shutil.which("pdftotext")
    if binary is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        with measure() as m:
            for _ in range(n):
                subprocess.run([binary, "-layout", fh.name, "-"], capture_output=True, check=True)
    return _rate(n, m.cpu)


def run(quick: bool) -> list[Row]:
    n = 5 if quick else 30
    rows: list[Row] = []
    page = builders.html_page("gbk")
    rows.append(Row("formats", "HTML page (GBK, chrome, 表三)", _ours(page, "a.html", n * 4), "docs/cpu-s",
                    "lxml text_content", _lxml_text(page, n * 4), ">= 20/s per core",
                    "ours: content area, tables, fields, dates, links"))
    for label, data in (("PDF real 洪泽区 2023 (5 pages)", REAL_PDF.read_bytes()),
                        ("PDF built, ruled 表三 (1 page)", builders.pdf_report())):
        rows.append(Row("formats", label, _ours(data, "a.pdf", n), "docs/cpu-s", "pdftotext -layout",
                        _pdftotext(data, n), ">= 3/s per core", "ours: grids from ruling lines"))
    for label, data, name in (("DOCX (merged cells)", builders.docx_report(), "a.docx"),
                              ("XLSX (2 sheets)", builders.xlsx_book(), "a.xlsx"),
                              ("XLS (2 sheets)", builders.xls_book(), "a.xls")):
        rows.append(Row("formats", label, _ours(data, name, n * 2), "docs/cpu-s", notes="no peer"))
    return rows
