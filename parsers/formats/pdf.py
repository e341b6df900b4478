"""PDF: text in reading order and tables from ruling lines, or from word positions when a table
has none (PDFium parsing, pdfplumber geometry, pypdf as text-only fallback).

Why ruling lines: they are the only evidence that separates digits of adjacent cells when the
text layer runs them together. Characters and line segments come from PDFium
(:mod:`parsers.formats.pdfium_page`, ~10x faster than pdfminer); pdfplumber's TableFinder turns
the segments into cells and its text map turns characters into lines. Pages are read one by one
up to ``Limits.max_pages`` with the deadline checked in between; a single slow page (or a crash
inside PDFium, which is C) is bounded by the isolated child process (see ``isolate.py``).

What the reader does beyond pdfplumber:

* cell rectangles are turned into an exact grid with spans (pdfplumber's own ``extract()``
  leaves merged positions as None without saying from which side they are covered);
* "frame" tables, boxes drawn around whole pages of prose by WPS/Word exports, are split: rows
  that are one cell across the full width are prose, runs of real rows become tables;
* a table that ends a page and one with the same columns that starts the next are one table;
* wrapped prose lines are joined into paragraphs (a line reaching the right margin continues),
  page numbers ("-1-", "第1页") are dropped.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from parsers.formats.base import Deadline, ExtractedDocument, Limits, Table, failed
from parsers.formats.grid import TableTooLarge, as_text, clean_cell, positioned_grid, trim
from parsers.formats.pdfium_page import PageData, read_page
from parsers.formats.textutil import clean_text, text_end_dates

_EPS = 1.0


@dataclass
class _Block:
    """A prose line or a table on one page, positioned for reading order."""

    top: float
    bottom: float
    x0: float = 0.0
    x1: float = 0.0
    text: str = ""
    table: Table | None = None
    col_xs: list[float] = field(default_factory=list)


def _count(values: list[float], lo: float, hi: float) -> int:
    """How many sorted ``values`` lie in [lo, hi) with a tolerance."""
    return max(1, bisect_left(values, hi - _EPS) - bisect_left(values, lo - _EPS))


def _segments(ptable, limits: Limits, page_no: int) -> list[_Block]:
    """The real tables inside one pdfplumber table. Rows that are a single cell across the full
    width are prose inside a frame box and split the table; their text is left to the line
    reader, which knows where each line really ends (a cell only knows the frame's edges)."""
    rows = ptable.rows
    texts = ptable.extract()
    xs = sorted({c[0] for c in ptable.cells})
    tops = sorted({c[1] for c in ptable.cells})
    ncols = len(xs)
    tables: list[_Block] = []
    segment: list[tuple[int, int, int, int, str, tuple]] = []

    def close() -> None:
        if segment:
            block = _segment_table(segment, limits, page_no)
            if block is not None:
                tables.append(block)
            segment.clear()

    for i, row in enumerate(rows):
        row_cells = []
        for j, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            x0, top, x1, bottom = bbox
            text = clean_cell(texts[i][j] or "")
            row_cells.append((i, j, _count(tops, top, bottom), _count(xs, x0, x1), text, bbox))
        if len(row_cells) == 1 and row_cells[0][3] >= ncols and row_cells[0][2] == 1:
            close()
            continue
        segment.extend(row_cells)
    close()
    return tables


def _segment_table(cells: list, limits: Limits, page_no: int) -> _Block | None:
    """A run of rows as a Table, with grid lines no cell of the run starts at removed (a
    sub-table of a frame inherits the frame's column lines). One-column runs are prose."""
    col_starts = sorted({c for _, c, _, _, _, _ in cells})
    row_starts = sorted({r for r, _, _, _, _, _ in cells})
    positioned = []
    for r, c, rs, cs, text, _ in cells:
        nr = row_starts.index(r)
        nc = col_starts.index(c)
        new_rs = sum(1 for x in row_starts if r <= x < r + rs)
        new_cs = sum(1 for x in col_starts if c <= x < c + cs)
        positioned.append((nr, nc, new_rs, new_cs, text))
    x0 = min(b[0] for *_, b in cells)
    top = min(b[1] for *_, b in cells)
    x1 = max(b[2] for *_, b in cells)
    bottom = max(b[3] for *_, b in cells)
    if len(col_starts) < 2:  # a one-column box is a frame around prose, not a table
        return None
    grid, spans = positioned_grid(positioned, len(row_starts), len(col_starts), limits.max_table_cells)
    table = Table(rows=grid, spans=spans, page=page_no)
    if trim(table) is None:
        return None
    # kept untrimmed until continuations are joined (see _assemble): a continuation row whose
    # cells are mostly blank would otherwise lose its blank columns and no longer line up
    xs_abs = sorted({b[0] for *_, b in cells})
    return _Block(top=top, bottom=bottom, x0=x0, x1=x1, table=table, col_xs=xs_abs)


_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?$")
_NEW_PARAGRAPH = re.compile(
    r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．]|第[一二三四五六七八九十]+|附件|[一二三四五六七八九十]是)"
)


def _page_blocks(page: PageData, limits: Limits, page_no: int, warnings: list[str]) -> list[_Block]:
    from pdfplumber.table import TableFinder
    from pdfplumber.utils.text import chars_to_textmap

    tables: list[_Block] = []
    prose: list[_Block] = []
    if page.truncated:
        warnings.append(f"page {page_no}: too many drawing objects; ruling lines read in part")
    try:
        # PageData has the attributes TableFinder reads (edges, chars, bbox): duck-typed
        found = TableFinder(page).tables if page.edges else []  # type: ignore[arg-type]
    except Exception as exc:  # the table finder trips over some malformed drawings
        warnings.append(f"page {page_no}: table detection failed ({type(exc).__name__})")
        found = []
    for ptable in found:
        try:
            tables.extend(_segments(ptable, limits, page_no))
        except TableTooLarge as exc:
            warnings.append(f"page {page_no}: table dropped ({exc})")
    boxes = [(b.x0, b.top, b.x1, b.bottom) for b in tables]

    def outside(obj) -> bool:
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and t <= cy <= b for x0, t, x1, b in boxes)

    rest = [c for c in page.chars if outside(c)] if boxes else page.chars
    if sum(1 for c in rest if c["text"].isdigit()) >= 6:
        # tables drawn without ruling lines: columns and rows from the words' positions
        from parsers.formats.aligned import aligned_tables

        for found_table in aligned_tables(rest, page_no, page.width):
            tables.append(_Block(top=found_table.top, bottom=found_table.bottom,
                                 x0=found_table.x0, x1=found_table.x1, table=found_table.table,
                                 col_xs=found_table.col_xs))
            boxes.append((found_table.x0 - 1, found_table.top - 1, found_table.x1 + 1,
                          found_table.bottom + 1))
        rest = [c for c in rest if outside(c)]
    if rest:
        textmap = chars_to_textmap(rest, layout_bbox=page.bbox, layout_width=page.width,
                                   layout_height=page.height)
        for line in textmap.extract_text_lines(strip=True, return_chars=False):
            if line["text"].strip():
                prose.append(_Block(top=line["top"], bottom=line["bottom"], x0=line["x0"],
                                    x1=line["x1"], text=line["text"]))
    blocks = sorted(tables + prose, key=lambda b: (round(b.top, 1), b.x0))
    # page numbers and running headers: first/last prose line that is only a page number
    while blocks and blocks[-1].table is None and _PAGE_NUMBER.match(blocks[-1].text.strip()):
        blocks.pop()
    while blocks and blocks[0].table is None and _PAGE_NUMBER.match(blocks[0].text.strip()):
        blocks.pop(0)
    return blocks


def _column_map(a: _Block, b: _Block) -> list[int] | None:
    """For a table ``b`` that may continue ``a`` on the next page: for each of ``a``'s grid
    columns, the column of ``b`` that covers it; None when ``b`` does not line up with ``a``.

    ``b`` may have fewer column lines than ``a``: a continuation made only of rows whose
    label cell spans several columns (四、结转下年度继续办理 alone on the next page) draws no
    line where ``a``'s label columns split, but every line it draws is one of ``a``'s."""
    if a.table is None or b.table is None or not a.col_xs or not b.col_xs:
        return None
    if len(a.col_xs) != len(a.table.rows[0]) or len(b.col_xs) != len(b.table.rows[0]):
        return None
    index = []
    for x in b.col_xs:
        match = [k for k, ax in enumerate(a.col_xs) if abs(ax - x) <= 3]
        if not match:
            return None
        index.append(match[0])
    if index[0] != 0:
        return None
    return [max(j for j, k in enumerate(index) if k <= col) for col in range(len(a.col_xs))]


def _remap(table: Table, columns: list[int]) -> Table:
    """``table`` spread onto a wider grid: grid column ``c`` shows ``table``'s column
    ``columns[c]`` (span copies, as everywhere in a grid); spans widened to match."""
    rows = [[row[j] for j in columns] for row in table.rows]
    spans = []
    for r, c, rs, cs in table.spans:
        covered = [k for k, j in enumerate(columns) if c <= j < c + cs]
        if covered:
            spans.append((r, covered[0], rs, len(covered)))
    for j in set(columns):  # a column of the narrow grid now covering several: a span per row
        covered = [k for k, jj in enumerate(columns) if jj == j]
        if len(covered) > 1:
            for r in range(len(rows)):
                if not any(sr <= r < sr + srs and sc <= covered[0] < sc + scs
                           for sr, sc, srs, scs in spans):
                    spans.append((r, covered[0], 1, len(covered)))
    return Table(rows=rows, spans=spans, page=table.page, caption=table.caption)


def _join_tables(first: Table, second: Table) -> Table:
    """Append a continuation; header rows the continuation repeats (Word's "repeat as header
    row") are dropped so each data row appears once."""
    k = 0
    while k < min(len(first.rows), len(second.rows) - 1) and second.rows[k] == first.rows[k]:
        k += 1
    offset = len(first.rows) - k
    kept = [(r + offset, c, rs, cs) for r, c, rs, cs in second.spans if r >= k]
    return Table(rows=first.rows + second.rows[k:], spans=first.spans + kept,
                 page=first.page, caption=first.caption)


def _assemble(pages: list[list[_Block]], widths: list[float]) -> tuple[str, list[Table]]:
    """Reading-order text and tables of all pages: continued tables joined, wrapped lines
    joined into paragraphs, captions taken from the prose line before each table."""
    merged: list[tuple[_Block, float]] = []  # block, right margin of its page's prose
    for blocks, _width in zip(pages, widths, strict=True):
        right = max((b.x1 for b in blocks if b.table is None), default=0.0)
        for k, b in enumerate(blocks):
            columns = (_column_map(merged[-1][0], b) if k == 0 and b.table is not None and merged
                       and merged[-1][0].table is not None else None)
            if columns is not None and b.table is not None:
                prev = merged[-1][0]
                prev.table = _join_tables(prev.table, _remap(b.table, columns))  # type: ignore[arg-type]
                continue
            merged.append((b, right))
    out: list[str] = []
    tables: list[Table] = []
    para = ""
    prev_full = False
    for b, right in merged:
        if b.table is not None:
            table = trim(b.table)  # blank padding rows/columns go once continuations are joined
            if table is None:
                continue
            if para:
                out.append(para)
                para = ""
            caption = out[-1] if out and "\t" not in out[-1] else ""
            table.caption = caption[-200:]
            tables.append(table)
            out.append(as_text(table))
            prev_full = False
            continue
        for line in b.text.split("\n"):
            line = line.strip()
            if not line:
                continue
            if para and prev_full and not _NEW_PARAGRAPH.match(line):
                sep = "" if (para[-1] >= "\u2e80" or line[0] >= "\u2e80") else " "
                para += sep + line
            else:
                if para:
                    out.append(para)
                para = line
            # a line ending within ~2 characters of the right margin continues on the next line
            # (justified CJK text wraps early before a number or a closing punctuation mark)
            prev_full = right > 0 and b.x1 >= right - max(14.0, 2.5 * (b.bottom - b.top))
    if para:
        out.append(para)
    return clean_text("\n".join(out)), tables


def _title(info: dict[str, str]) -> str | None:
    title = info.get("Title", "").strip()
    title = re.sub(r"^(Microsoft Word|WPS文字|Microsoft PowerPoint)\s*-\s*", "", title)
    title = re.sub(r"\.(docx?|wps|pdf)$", "", title, flags=re.I).strip()
    return title or None


# One page showing one character in a standard font; xref offsets are rebuilt by PDFium.
_TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 50 50]/Contents 4 0 R"
             b"/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>endobj\n"
             b"4 0 obj<</Length 33>>stream\nBT /F1 12 Tf 10 10 Td (x) Tj ET\nendstream endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")
_warm = False


def warm_up() -> None:
    """Import the PDF reader's libraries and initialise PDFium in this process, once.

    Isolated readers are forked per document; whatever the parent has not imported or
    initialised, every child pays for again (~100 ms of CPU for pdfplumber's imports alone).
    A warm parent hands it all to each child for free (copy-on-write)."""
    global _warm
    if _warm:
        return
    _warm = True
    try:
        import pdfplumber.table  # noqa: F401
        import pdfplumber.utils.text  # noqa: F401
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(_TINY_PDF)
        page = pdf[0]
        page.get_textpage().close()
        page.close()
        pdf.close()
    except Exception:  # warming is an optimisation only
        pass


def extract_pdf(data: bytes, *, limits: Limits, where: str, deadline: Deadline) -> ExtractedDocument:
    """Read a PDF (see module docstring)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            return failed("pdf", where, "encrypted (password-protected) PDF: a password is required to read it")
        return _pypdf_fallback(data, where, limits, f"PDFium could not open it ({exc})")
    try:
        warnings: list[str] = []
        total = len(pdf)
        if total > limits.max_pages:
            warnings.append(f"{total} pages; only the first {limits.max_pages} were read")
        try:
            info = {k: " ".join(str(v).replace("\x00", "").split())
                    for k, v in pdf.get_metadata_dict(skip_empty=True).items()}
        except Exception:  # broken info dictionaries are common and never fatal
            info = {}
        pages: list[list[_Block]] = []
        widths: list[float] = []
        chars = 0
        for n in range(1, min(total, limits.max_pages) + 1):
            if deadline.expired():
                warnings.append(f"time limit of {limits.max_seconds:g} s reached at page {n}; rest not read")
                break
            try:
                page = pdf[n - 1]
                try:
                    data_n = read_page(page)
                finally:
                    page.close()
                chars += sum(1 for c in data_n.chars if not c["text"].isspace())
                blocks = _page_blocks(data_n, limits, n, warnings)
                widths.append(data_n.width)
            except Exception as exc:
                warnings.append(f"page {n} unreadable ({type(exc).__name__})")
                blocks = []
                widths.append(0.0)
            pages.append(blocks)
        text, tables = _assemble(pages, widths)
        read = max(len(pages), 1)
        needs_ocr = total > 0 and chars < 20 * read
        ocr_used = False
        if needs_ocr:
            text, ocr_used = _ocr(pdf, len(pages), text, limits, deadline, warnings)
    finally:
        pdf.close()
    dates = [("doc_meta", f"{k}={info[k]}") for k in ("CreationDate", "ModDate") if info.get(k)]
    dates.extend(text_end_dates(text))
    return ExtractedDocument(format="pdf", text=text, tables=tables, title=_title(info),
                             dates=dates, pages=total, needs_ocr=needs_ocr, ocr=ocr_used,
                             warnings=warnings)


def _ocr(pdf, pages: int, text: str, limits: Limits, deadline: Deadline,
         warnings: list[str]) -> tuple[str, bool]:
    """The text of an image-only PDF: OCR when enabled and installed, else the (empty) text
    layer with a warning that says what would read it."""
    from parsers.formats.ocr import ocr_pdf, tesseract_problem

    if not limits.ocr:
        warnings.append("no text layer (image-only PDF?): needs OCR (enable with NIANBAO_OCR=1)")
        return text, False
    problem = tesseract_problem()
    if problem:
        warnings.append(f"no text layer (image-only PDF?): needs OCR, but {problem}")
        return text, False
    recognised, problems = ocr_pdf(pdf, pages, deadline)
    warnings.extend(problems)
    warnings.append("no text layer (image-only PDF): text recognised by OCR (tesseract chi_sim); "
                    "numbers unverified")
    return clean_text(recognised), bool(recognised.strip())


def _pypdf_fallback(data: bytes, where: str, limits: Limits, why: str) -> ExtractedDocument:
    """Text only, through pypdf's lenient reader, for files pdfminer cannot open (truncated
    cross-reference tables and the like)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return failed("pdf", where, "encrypted (password-protected) PDF: a password is required to read it")
        pages = reader.pages
        total = len(pages)
        texts = []
        for page in list(pages)[: limits.max_pages]:
            texts.append(page.extract_text() or "")
    except Exception as exc:
        return failed("pdf", where, f"unreadable PDF: {why}; pypdf also failed ({type(exc).__name__}: {exc})")
    text = clean_text("\n".join(texts))
    doc = ExtractedDocument(format="pdf", text=text, pages=total, warnings=[f"{where}: {why}; text read with pypdf, no tables"])
    if not text:
        doc.needs_ocr = total > 0
        doc.warnings.append("no text recovered")
    return doc
