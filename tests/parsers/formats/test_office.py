"""DOCX, DOC/WPS (through LibreOffice), XLS/XLSX and OFD into the same grids and text."""

from __future__ import annotations

import pytest

from parsers.formats import extract
from parsers.formats.doc import convert, soffice_binary

from .builders import (
    CAPTION,
    INTRO,
    SIGNATURE_DATE,
    T3_GRID,
    T3_SPANS,
    docx_report,
    ofd_document,
    xls_book,
    xlsx_book,
)


def test_docx_merged_cells_are_expanded_in_document_order():
    doc = extract(docx_report(), filename="report.docx")
    assert doc.format == "docx"
    (table,) = doc.tables
    assert table.rows == T3_GRID
    assert set(table.spans) == T3_SPANS
    assert table.caption == CAPTION
    text = doc.text
    assert text.index(INTRO) < text.index("二、上年结转政府信息公开申请数量\t\t2\t0\t2") < text.index(SIGNATURE_DATE)
    assert doc.title == "测试县民政局2023年政府信息公开工作年度报告"
    assert ("text_end", SIGNATURE_DATE) in doc.dates
    assert any(w == "doc_meta" for w, _ in doc.dates)


def test_docx_is_recognised_by_its_members_whatever_its_name():
    assert extract(docx_report(), filename="download.jsp", content_type="application/octet-stream").format == "docx"


@pytest.mark.parametrize("build,fmt", [(xlsx_book, "xlsx"), (xls_book, "xls")])
def test_every_sheet_becomes_a_table_with_merges_expanded(build, fmt):
    doc = extract(build(), filename=f"t3.{fmt}")
    assert doc.format == fmt
    first, second = doc.tables
    assert first.rows == T3_GRID
    assert set(first.spans) == T3_SPANS
    assert (first.page, first.caption) == (0, "表三")
    assert second.rows == [["本表由测试县民政局填报"]]
    assert "一、本年新收政府信息公开申请数量\t\t17\t3\t20" in doc.text


def test_ofd_text_follows_the_document_page_order():
    lines = ["测试县民政局2023年政府信息公开工作年度报告", INTRO, "三、收到和处理政府信息公开申请情况", SIGNATURE_DATE]
    doc = extract(ofd_document(lines), filename="r.ofd")
    assert doc.format == "ofd" and doc.pages == 2
    assert doc.text.split("\n") == lines
    assert ("text_end", SIGNATURE_DATE) in doc.dates


@pytest.fixture(scope="module")
def word97() -> bytes:
    """A Word 97 .doc made by LibreOffice from the DOCX builder's document."""
    assert soffice_binary(), "LibreOffice is a declared system dependency (Makefile)"
    return convert(docx_report(), "docx", "doc", timeout=120)


@pytest.mark.parametrize("name,fmt", [("report.doc", "doc"), ("report.wps", "wps")])
def test_doc_and_wps_read_through_libreoffice(word97, name, fmt):
    doc = extract(word97, filename=name)
    assert doc.format == fmt
    assert INTRO in doc.text and SIGNATURE_DATE in doc.text
    assert [t.rows for t in doc.tables] == [T3_GRID]


def test_unconvertible_ole_file_gives_a_warning(word97):
    broken = word97[:4096]  # header and directory only
    doc = extract(broken, filename="cut.doc")
    assert doc.format == "doc" and doc.text == "" and doc.warnings


def test_rtf_saved_as_doc_is_read_through_libreoffice():
    rtf = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}}\f0 Annual report\par 2024-01-18\par}"
    doc = extract(rtf, filename="report.doc")
    assert doc.format == "doc"
    assert doc.text == "Annual report\n2024-01-18"
    assert ("text_end", "2024-01-18") in doc.dates


def test_profiles_of_dead_processes_are_cleaned_up(tmp_path, monkeypatch):
    import subprocess
    import sys

    from parsers.formats import doc as doc_module

    monkeypatch.setattr(doc_module.tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f"nianbao-soffice-profile-{dead}-abc"
    stale.mkdir()
    mine = tmp_path / f"nianbao-soffice-profile-{__import__('os').getpid()}-xyz"
    mine.mkdir()
    doc_module._remove_stale_profiles()
    assert not stale.exists() and mine.exists()
