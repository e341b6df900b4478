"""Optional OCR of image-only PDFs (图片版 reports) with Debian's Tesseract and its chi_sim model.

Scanned reports have no text layer, so without OCR they are only flagged ``needs_ocr``. OCR is
slow (seconds per page) and its digits are not certain, so it is opt-in: ``Limits(ocr=True)``,
or ``NIANBAO_OCR=1`` in the environment (the default of ``Limits.ocr``), and only used when the
``tesseract`` binary and its ``chi_sim`` language data are installed (Debian packages
``tesseract-ocr`` and ``tesseract-ocr-chi-sim``). When they are missing the document stays
flagged ``needs_ocr`` with a warning saying what to install. Tesseract runs as a subprocess per
page (no Python binding needed), single-threaded, with a timeout from the document's deadline.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess

from parsers.formats.base import Deadline

LANG = "chi_sim"
DPI = 200  # scans are often ~100-150 dpi; rendering at 200 gives Tesseract larger glyphs
MAX_PAGES = 30  # a scanned report is a few pages; a scanned book is not worth minutes


@functools.lru_cache(maxsize=1)
def tesseract_problem() -> str | None:
    """Why OCR cannot run here (binary or language data missing), or None when it can."""
    binary = shutil.which("tesseract")
    if binary is None:
        return "tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-chi-sim)"
    try:
        done = subprocess.run([binary, "--list-langs"], capture_output=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"tesseract does not run ({exc})"
    langs = (done.stdout + done.stderr).decode("utf-8", "replace").split()
    if LANG not in langs:
        return f"tesseract has no {LANG} language data (Debian: tesseract-ocr-chi-sim)"
    return None


def ocr_page_image(png: bytes, timeout: float) -> str:
    """Text of one page image (PNG bytes). Raises subprocess.TimeoutExpired past ``timeout``
    and RuntimeError when Tesseract fails."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one core per page; callers parallelise
    done = subprocess.run(["tesseract", "stdin", "stdout", "-l", LANG, "--psm", "3"], input=png,
                          capture_output=True, timeout=max(timeout, 1.0), env=env, check=False)
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise RuntimeError("tesseract failed" + (f" ({detail[0]})" if detail else ""))
    return done.stdout.decode("utf-8", "replace")


def ocr_pdf(pdf, pages: int, deadline: Deadline) -> tuple[str, list[str]]:
    """Text of the first ``pages`` pages of an open pypdfium2 document, and warnings. Stops at
    the deadline or :data:`MAX_PAGES`, saying so."""
    warnings: list[str] = []
    texts: list[str] = []
    todo = min(pages, MAX_PAGES)
    if pages > MAX_PAGES:
        warnings.append(f"OCR limited to the first {MAX_PAGES} of {pages} pages")
    for index in range(todo):
        if deadline.expired():
            warnings.append(f"OCR stopped at page {index + 1}: time limit reached")
            break
        page = pdf[index]
        try:
            image = page.render(scale=DPI / 72, grayscale=True).to_pil()
        finally:
            page.close()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        try:
            texts.append(ocr_page_image(buf.getvalue(), deadline.remaining()))
        except subprocess.TimeoutExpired:
            warnings.append(f"OCR stopped at page {index + 1}: time limit reached")
            break
        except (OSError, RuntimeError) as exc:
            warnings.append(f"OCR of page {index + 1} failed ({exc})")
    return "\n".join(texts), warnings
