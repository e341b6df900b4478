"""XLS and XLSX: every non-empty sheet becomes a Table, merged cells expanded.

.xls is read by xlrd with ``formatting_info=True``: xlrd only reports merged ranges when it
reads formatting records, and reports put their row labels in merged cells; the extra cost is
small next to the file-size cap. .xlsx is read by openpyxl in ``read_only`` mode (streaming,
bounded memory); read-only sheets do not expose merges, so the ``<mergeCell ref>`` elements of
each sheet part are read with lxml's iterparse (entities off, DTDs already refused).
"""

from __future__ import annotations

import datetime as dt
import io

from parsers.formats.base import ExtractedDocument, Limits, Table, failed
from parsers.formats.containers import Refused, open_zip, refuse_dtds
from parsers.formats.grid import TableTooLarge, as_text, positioned_grid, trim
from parsers.formats.textutil import clean_text


def _fmt(value) -> str:
    """Cell value as report text: integral floats without ".0", dates as ISO strings."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split())


def _sheet_table(values: dict[tuple[int, int], str], merges: list[tuple[int, int, int, int]],
                 nrows: int, ncols: int, index: int, name: str, limits: Limits) -> Table | None:
    """Grid of one sheet from cell values and merge ranges (r0, c0, r1, c1 exclusive ends)."""
    cells = []
    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in merges:
        r1, c1 = min(r1, nrows), min(c1, ncols)
        if r0 >= r1 or c0 >= c1:
            continue
        cells.append((r0, c0, r1 - r0, c1 - c0, values.get((r0, c0), "")))
        covered.update((r, c) for r in range(r0, r1) for c in range(c0, c1))
    cells.extend((r, c, 1, 1, v) for (r, c), v in values.items() if (r, c) not in covered)
    grid, spans = positioned_grid(cells, nrows, ncols, limits.max_table_cells)
    return trim(Table(rows=grid, spans=spans, page=index, caption=name))


def _xls(data: bytes, limits: Limits, warnings: list[str]) -> list[Table]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except NotImplementedError:
        book = xlrd.open_workbook(file_contents=data, formatting_info=False, on_demand=True)
        warnings.append("merged cells unavailable for this workbook (formatting not readable)")
    tables = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        if sheet.nrows * sheet.ncols > limits.max_table_cells:
            warnings.append(f"sheet {sheet.name!r} of {sheet.nrows}x{sheet.ncols} cells skipped (too large)")
            continue
        values = {}
        for r in range(sheet.nrows):
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        v = _fmt(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        v = _fmt(cell.value)
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    v = ""
                else:
                    v = _fmt(cell.value)
                if v:
                    values[(r, c)] = v
        merges = [(r0, c0, r1, c1) for r0, r1, c0, c1 in getattr(sheet, "merged_cells", [])]
        table = _sheet_table(values, merges, sheet.nrows, sheet.ncols, index, sheet.name, limits)
        if table is not None:
            tables.append(table)
    return tables


def _merge_ranges(zf, part: str) -> list[tuple[int, int, int, int]]:
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    out = []
    try:
        with zf.open(part) as fh:
            for _, el in etree.iterparse(fh, events=("end",), resolve_entities=False,
                                         no_network=True, load_dtd=False, huge_tree=False):
                if el.tag.endswith("}mergeCell"):
                    ref = el.get("ref") or ""
                    try:
                        c0, r0, c1, r1 = range_boundaries(ref)
                    except (ValueError, TypeError):
                        continue
                    out.append((r0 - 1, c0 - 1, r1, c1))
                el.clear()
    except (KeyError, etree.XMLSyntaxError, OSError):
        return out
    return out


def _xlsx(data: bytes, limits: Limits, warnings: list[str]) -> list[Table]:
    import openpyxl

    zf = open_zip(data, limits)
    refuse_dtds(zf)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    tables = []
    try:
        for index, sheet in enumerate(book.worksheets):
            values: dict[tuple[int, int], str] = {}
            nrows = ncols = 0
            too_big = False
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                for c, value in enumerate(row):
                    v = _fmt(value)
                    if v:
                        values[(r, c)] = v
                        nrows, ncols = max(nrows, r + 1), max(ncols, c + 1)
                if (r + 1) * max(ncols, 1) > limits.max_table_cells or len(values) > limits.max_table_cells:
                    too_big = True
                    break
            if too_big:
                warnings.append(f"sheet {sheet.title!r} skipped: more than {limits.max_table_cells} cells")
                continue
            part = getattr(sheet, "_worksheet_path", None)
            merges = _merge_ranges(zf, part) if part else []
            table = _sheet_table(values, merges, nrows, ncols, index, sheet.title, limits)
            if table is not None:
                tables.append(table)
    finally:
        book.close()
    return tables


def extract_sheets(data: bytes, *, fmt: str, limits: Limits, where: str) -> ExtractedDocument:
    """Read a workbook; the text is each sheet's name followed by its tab-separated rows."""
    warnings: list[str] = []
    try:
        tables = _xls(data, limits, warnings) if fmt == "xls" else _xlsx(data, limits, warnings)
    except Refused as exc:
        return failed(fmt, where, str(exc))
    except TableTooLarge as exc:
        return failed(fmt, where, str(exc))
    text = clean_text("\n\n".join(f"{t.caption}\n{as_text(t)}" for t in tables))
    return ExtractedDocument(format=fmt, text=text, tables=tables, pages=len(tables), warnings=warnings)
