"""Read the bytes of one document, whatever its format, into an :class:`ExtractedDocument`.

``extract`` is the only entry point the rest of nianbao needs: it sniffs the format (magic bytes
first, see :mod:`parsers.formats.sniff`), hands the bytes to the one module that reads that
format, and guarantees that it returns (never raises) within bounded time and memory.

Resource policy (what was chosen and why):

* Structural guards run in-process for every format, before any library sees the bytes: an
  input size cap, zip directory checks (declared sizes, ratios, member count) and refusal of XML
  parts with DTDs (:mod:`parsers.formats.containers`), an HTML size cap, a PDF page cap and a
  wall-clock deadline checked between pages.
* Those guards cannot stop a single pathological PDF page inside pdfminer (pure Python, with
  content streams that can be made arbitrarily expensive). So with ``Limits.isolate="auto"``
  (the default) PDFs are read in a forked child process under ``RLIMIT_AS`` and killed at the
  deadline (:mod:`parsers.formats.isolate`); fork costs milliseconds against ~100 ms+ per PDF.
  ``"always"`` isolates every format (for batch re-parsing of untrusted archives),
  ``"never"`` none (debugging).
* DOC/WPS go through LibreOffice, already a separate process with a timeout and a private
  profile (:mod:`parsers.formats.doc`).
"""

from __future__ import annotations

import traceback

from parsers.formats.base import Deadline, ExtractedDocument, Limits, Table, describe, failed
from parsers.formats.sniff import sniff

__all__ = ["ExtractedDocument", "Limits", "Table", "extract", "sniff"]


def extract(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    filename: str | None = None,
    limits: Limits | None = None,
) -> ExtractedDocument:
    """Extract text, tables and format metadata from one document's bytes. Never raises on bad
    input: problems come back as ``warnings`` on a document with empty text/tables."""
    limits = limits or Limits()
    where = describe(url, filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"extract() needs bytes, got {type(data).__name__}")
    data = bytes(data)
    try:
        fmt = sniff(data, url=url, content_type=content_type, filename=filename)
    except Exception as exc:  # sniffing corrupt containers must not stop the caller
        return failed("unknown", where, f"format detection failed ({exc!r})")
    if len(data) > limits.max_bytes:
        return failed(fmt, where, f"{len(data)} bytes exceeds the input limit of {limits.max_bytes}")
    if not data:
        return failed(fmt, where, "empty document")
    if fmt in ("encrypted_ooxml", "doc", "wps", "xls"):
        from parsers.formats.encryption import encryption_problem

        if problem := encryption_problem(data, fmt):
            return failed(_claimed_ooxml(fmt, url, content_type, filename), where, problem)
    isolate = limits.isolate == "always" or (limits.isolate == "auto" and fmt == "pdf")
    if isolate:
        from parsers.formats.isolate import run_isolated

        if fmt == "pdf":
            from parsers.formats.pdf import warm_up

            warm_up()

        doc = run_isolated(_dispatch, (fmt, data, url, content_type, where, limits), fmt, where, limits)
    else:
        doc = _dispatch(fmt, data, url, content_type, where, limits)
    return _named(doc, where)


def _named(doc: ExtractedDocument, where: str) -> ExtractedDocument:
    """Every warning names its document: readers word partial problems ("3000 pages; only the
    first 200 were read") without knowing which file they read; the index log and the catalog
    show warnings of many documents side by side."""
    doc.warnings = [w if w.startswith(where) else f"{where}: {w}" for w in doc.warnings]
    return doc


def _claimed_ooxml(fmt: str, url: str | None, content_type: str | None,
                   filename: str | None) -> str:
    """The format name an encrypted OOXML file reports: what its name or type claims (docx,
    xlsx), since the encrypted bytes do not say; other formats keep their sniffed name."""
    if fmt != "encrypted_ooxml":
        return fmt
    from parsers.formats.sniff import claimed_format

    claimed = claimed_format(url, content_type, filename)
    return claimed if claimed in ("docx", "xlsx") else "ooxml"


def _dispatch(fmt: str, data: bytes, url: str | None, content_type: str | None, where: str,
              limits: Limits) -> ExtractedDocument:
    """Run the reader for ``fmt``; any exception a reader lets through becomes a warning, because
    third-party readers raise a zoo of exception types on corrupt files."""
    deadline = Deadline(limits.max_seconds)
    try:
        if fmt == "html":
            from parsers.formats.html import extract_html

            return extract_html(data, url=url, content_type=content_type, limits=limits, where=where)
        if fmt == "pdf":
            from parsers.formats.pdf import extract_pdf

            return extract_pdf(data, limits=limits, where=where, deadline=deadline)
        if fmt == "docx":
            from parsers.formats.docx import extract_docx

            return extract_docx(data, limits=limits, where=where)
        if fmt in ("doc", "wps"):
            from parsers.formats.doc import extract_doc

            return extract_doc(data, fmt=fmt, limits=limits, where=where, deadline=deadline)
        if fmt in ("xls", "xlsx"):
            from parsers.formats.xls import extract_sheets

            return extract_sheets(data, fmt=fmt, limits=limits, where=where)
        if fmt == "ofd":
            from parsers.formats.ofd import extract_ofd

            return extract_ofd(data, limits=limits, where=where)
        if fmt == "text":
            from parsers.formats.text import extract_text

            return extract_text(data, content_type=content_type, limits=limits, where=where)
        claimed = ", ".join(x for x in (content_type, where) if x)
        return failed("unknown", where, "bytes match no readable format (HTML, PDF, DOC/DOCX/WPS, "
                      f"XLS/XLSX, OFD, text) whatever the name or type claims ({claimed})")
    except MemoryError:
        return failed(fmt, where, "ran out of memory while reading; document too large or hostile")
    except RecursionError:
        return failed(fmt, where, "structure nested too deeply to read")
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return failed(fmt, where, f"unreadable {fmt} ({type(exc).__name__}: {exc} at "
                      f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno})")
