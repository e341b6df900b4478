"""The format-neutral result of reading one document, and the limits every reader obeys.

Every format reader returns an :class:`ExtractedDocument` so the report semantics (metadata,
canonical tables, checks) are written once, against text and table grids, whatever the file
was. Readers never raise on bad input: they return a document with ``format`` set, empty
text/tables and a warning, because one hostile attachment must not stop a crawl's parse.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field


@dataclass
class Table:
    """One table as a rectangular grid.

    ``rows`` is span-expanded: a merged cell's text is repeated in every grid position it
    covers, so consumers can read any cell by (row, col) without knowing about spans; ``spans``
    keeps the merged origins for those who need the original layout.
    """

    rows: list[list[str]]
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    page: int | None = None
    caption: str = ""


@dataclass
class ExtractedDocument:
    """Text, tables and format-level metadata of one document; field meanings are in the
    interface contract (tables as tab-separated lines inside ``text``, ``dates`` as (where, raw)
    with where in meta|page|text_end|doc_meta, ``links`` absolute, HTML only)."""

    format: str
    text: str = ""
    tables: list[Table] = field(default_factory=list)
    title: str | None = None
    html_meta: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    dates: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    charset: str | None = None
    pages: int | None = None
    needs_ocr: bool = False  # image-only: no text layer (whether or not OCR then read it)
    ocr: bool = False  # the text was recognised by OCR (its digits are not certain)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """Bounds on what one document may cost.

    Defaults are sized for real reports (a few pages to a few dozen, attachments of a few MB)
    with a wide margin; anything beyond them is hostile or broken and yields a warning instead.
    """

    max_bytes: int = 100 * 1024 * 1024  # any input larger than this is refused unread
    max_html_bytes: int = 8 * 1024 * 1024  # report pages are < 1 MB; 8 MB allows inline images
    max_pages: int = 200  # PDF pages read; the rest is reported as skipped
    max_seconds: float = 60.0  # wall-clock budget per document (checked between pages,
    # enforced by kill for isolated readers and soffice)
    max_unzipped_bytes: int = 300 * 1024 * 1024  # declared total of a zip container's members
    max_zip_ratio: float = 200.0  # per-member compression ratio allowed for large members
    max_zip_members: int = 5000
    max_memory_mb: int = 1536  # address-space budget added on top of the parent, isolated runs
    max_table_cells: int = 250_000  # a grid larger than this is dropped (spans can multiply it)
    isolate: str = "auto"  # "never" | "auto" (PDF in a child process) | "always"
    # OCR image-only PDFs with tesseract chi_sim when installed (parsers/formats/ocr.py);
    # opt-in because it costs seconds per page: NIANBAO_OCR=1 turns it on by default
    ocr: bool = field(default_factory=lambda: os.environ.get("NIANBAO_OCR", "") in ("1", "true", "yes"))


class Deadline:
    """A wall-clock budget shared by the stages of one extraction."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def expired(self) -> bool:
        return time.monotonic() >= self._end


def failed(fmt: str, where: str, problem: str) -> ExtractedDocument:
    """The empty result for an unreadable document, with a warning that says which document
    (URL or file name) and what is wrong with it."""
    return ExtractedDocument(format=fmt, warnings=[f"{where}: {problem}"])


def describe(url: str | None, filename: str | None) -> str:
    """How warnings name the document: its URL, else its file name, else 'document'."""
    return url or filename or "document"
