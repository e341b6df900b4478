"""DOCX: paragraphs and tables in document order, merged cells (gridSpan/vMerge) expanded.

python-docx opens the package and gives the core properties; the body is walked at the XML
level because python-docx's ``Table.rows``/``cell`` API repeats merged cells without saying where
a merge starts, and iterating ``document.paragraphs`` and ``document.tables`` separately loses
their order. The container is checked for zip bombs and DTDs before python-docx reads it.
"""

from __future__ import annotations

import io

from parsers.formats.base import ExtractedDocument, Limits, Table, failed
from parsers.formats.containers import Refused, open_zip, refuse_dtds
from parsers.formats.grid import TableTooLarge, as_text, clean_cell, positioned_grid, trim
from parsers.formats.textutil import clean_text, text_end_dates

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _para_text(p) -> str:
    """Text of a w:p: runs, tabs as spaces (tabs mark table cells in our text), breaks."""
    parts = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag == W + "tab":
            parts.append(" ")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts)


def _cell_text(tc) -> str:
    lines = [_para_text(p) for p in tc.iter(W + "p")]
    return clean_cell("\n".join(lines))


def _int_attr(el, name: str, default: int) -> int:
    if el is None:
        return default
    try:
        return int(el.get(W + name, default))
    except (TypeError, ValueError):
        return default


def docx_table(tbl, max_cells: int) -> Table | None:
    """Grid of one w:tbl. A vMerge="continue" cell extends the origin above it in the same
    grid column; gridBefore shifts a row's first cell."""
    origins: dict[tuple[int, int], list] = {}  # (row, col) -> [row, col, rowspan, colspan, text]
    open_by_col: dict[int, list] = {}  # grid column -> origin still open for vertical merge
    ncols = 0
    rows = tbl.findall(W + "tr")
    for r, tr in enumerate(rows):
        trpr = tr.find(W + "trPr")
        c = _int_attr(trpr.find(W + "gridBefore") if trpr is not None else None, "val", 0)
        for tc in tr.findall(W + "tc") + tr.findall(W + "sdt/" + W + "sdtContent/" + W + "tc"):
            tcpr = tc.find(W + "tcPr")
            span = max(1, min(_int_attr(tcpr.find(W + "gridSpan") if tcpr is not None else None, "val", 1), 1000))
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            state = None if vmerge is None else (vmerge.get(W + "val") or "continue")
            if state == "continue" and c in open_by_col:
                origin = open_by_col[c]
                origin[2] = r - origin[0] + 1
            else:
                origin = [r, c, 1, span, _cell_text(tc)]
                origins[(r, c)] = origin
                for k in range(c, c + span):
                    open_by_col.pop(k, None)
                if state == "restart":
                    open_by_col[c] = origin
            c += span
        ncols = max(ncols, c)
        if len(origins) > max_cells:
            raise TableTooLarge(f"table exceeds {max_cells} cells")
    grid, spans = positioned_grid((tuple(o) for o in origins.values()), len(rows), ncols, max_cells)
    return trim(Table(rows=grid, spans=spans))


def _blocks(body):
    """Top-level paragraphs and tables in order, looking through content controls (w:sdt)."""
    stack = list(reversed(list(body)))
    while stack:
        el = stack.pop()
        if el.tag in (W + "p", W + "tbl"):
            yield el
        elif el.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"):
            stack.extend(reversed(list(el)))


def extract_docx(data: bytes, *, limits: Limits, where: str) -> ExtractedDocument:
    """Read a DOCX (see module docstring)."""
    try:
        zf = open_zip(data, limits)
        refuse_dtds(zf)
    except Refused as exc:
        return failed("docx", where, str(exc))
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        return failed("docx", where, f"unreadable DOCX ({type(exc).__name__}: {exc})")
    doc = body_to_document(document.element.body, "docx", limits)
    core = document.core_properties
    doc.title = (core.title or "").strip() or None
    for name in ("created", "modified"):
        value = getattr(core, name, None)
        if value:
            doc.dates.append(("doc_meta", f"{name}={value.isoformat()}"))
    return doc


def body_to_document(body, fmt: str, limits: Limits) -> ExtractedDocument:
    """Text (tables as tab-separated lines in place) and tables of a w:body."""
    out: list[str] = []
    tables: list[Table] = []
    warnings: list[str] = []
    for el in _blocks(body):
        if el.tag == W + "p":
            out.append(_para_text(el))
            continue
        try:
            table = docx_table(el, limits.max_table_cells)
        except TableTooLarge as exc:
            warnings.append(f"table dropped: {exc}")
            continue
        if table is None:
            continue
        if len(table.rows[0]) < 2:  # a one-column box around prose: keep it as text
            out.extend(row[0] for row in table.rows)
            continue
        before = [ln for ln in clean_text("\n".join(out[-5:])).split("\n") if ln.strip()]
        table.caption = before[-1][:200] if before and "\t" not in before[-1] else ""
        tables.append(table)
        out.append(as_text(table))
    text = clean_text("\n".join(out))
    return ExtractedDocument(format=fmt, text=text, tables=tables, dates=text_end_dates(text),
                             warnings=warnings)
