"""Image-only PDFs: flagged needs_ocr; read by Tesseract chi_sim when OCR is enabled and
installed; a clear warning (never a failure) when it is not."""

from __future__ import annotations

import io

import pytest

from parsers.formats import Limits, extract
from parsers.formats.ocr import tesseract_problem
from parsers.report import parse_document

from .builders import _register_font

TITLE = "测试县民政局2023年政府信息公开工作年度报告"


def scanned_report() -> bytes:
    """One page of a report printed and scanned: large text drawn, rasterised at 150 dpi and
    wrapped as the page's only content (no text layer)."""
    import pypdfium2
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = _register_font()
    src = io.BytesIO()
    c = canvas.Canvas(src, pagesize=A4)
    c.setFont(font, 16)
    for i, line in enumerate([TITLE, "一、总体情况", "2023年，测试县民政局认真贯彻落实条例。",
                              "测试县民政局", "2024年1月20日"]):
        c.drawString(60, 760 - 36 * i, line)
    c.showPage()
    c.save()
    page = pypdfium2.PdfDocument(src.getvalue())[0]
    image = page.render(scale=150 / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return out.getvalue()


@pytest.fixture(scope="module")
def scan() -> bytes:
    return scanned_report()


def test_without_ocr_a_scan_is_flagged_and_says_how_to_read_it(scan):
    doc = extract(scan, filename="scan.pdf", limits=Limits(ocr=False))
    assert doc.needs_ocr and not doc.ocr and doc.text == ""
    assert any("needs OCR" in w and "NIANBAO_OCR" in w for w in doc.warnings), doc.warnings


def test_ocr_enabled_but_tesseract_missing_warns_and_keeps_the_flag(scan, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    tesseract_problem.cache_clear()
    try:
        doc = extract(scan, filename="scan.pdf", limits=Limits(ocr=True))
    finally:
        tesseract_problem.cache_clear()
    assert doc.needs_ocr and not doc.ocr and doc.text == ""
    assert any("tesseract is not installed" in w for w in doc.warnings), doc.warnings


@pytest.mark.timeout(180)
@pytest.mark.skipif(tesseract_problem() is not None, reason=f"OCR unavailable: {tesseract_problem()}")
def test_ocr_reads_a_scanned_report_when_enabled(scan, monkeypatch):
    monkeypatch.setenv("NIANBAO_OCR", "1")  # the environment switch, as a user would set it
    result = parse_document(scan, url="http://www.ceshi.test/uploadfile/2024/scan.pdf")
    assert result["needs_ocr"] is True and result["ocr"] is True
    assert result["is_report"] is True
    assert (result["agency"], result["year"]) == ("测试县民政局", 2023)
    assert result["published"] == "2024-01-20"
    assert any("OCR" in w and "unverified" in w for w in result["warnings"])
