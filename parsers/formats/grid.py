"""Turn merged cells into a rectangular, span-expanded grid.

Every format describes tables differently (HTML rowspan/colspan, DOCX gridSpan/vMerge, PDF cell
rectangles, spreadsheet merge ranges); each reader reduces its own form to positioned cells and
this module does the expansion once. Hand-written: the HTML table-model algorithm is short and no
maintained library exposes it without pulling in a whole DataFrame stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from parsers.formats.base import Table

_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def clean_cell(text: str) -> str:
    """Normalise a cell's text: no-break/ideographic spaces folded, line breaks inside the cell
    joined (labels wrap arbitrarily in reports, so a break carries no meaning), trimmed.

    Breaks between two CJK characters are dropped outright; elsewhere they become one space so
    "1.属于 国家秘密" style wraps and Latin words both stay readable.
    """
    text = _SPACES.sub(" ", text.replace("\r", "\n"))
    parts = [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]
    if not parts:
        return ""
    out = parts[0]
    for p in parts[1:]:
        out += p if (_is_cjk(out[-1]) or _is_cjk(p[0])) else " " + p
    return out


def _is_cjk(ch: str) -> bool:
    return ch >= "\u2e80"


class TableTooLarge(ValueError):
    """A table whose expanded grid would exceed the cell budget (hostile spans)."""


def place_cells(
    rows: Sequence[Sequence[tuple[str, int, int]]], max_cells: int = 250_000
) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """Lay out rows of (text, rowspan, colspan) cells the way browsers do (HTML table model):
    each cell goes to the next free column of its row, skipping positions taken by rowspans
    from above. Spans are clamped like browsers clamp them (colspan <= 1000, rowspan to the
    rows that exist). Returns the expanded grid and the spans of merged origins; raises
    TableTooLarge when the grid would exceed ``max_cells``."""
    occupied: dict[tuple[int, int], str] = {}
    spans: list[tuple[int, int, int, int]] = []
    width = 0
    height = len(rows)
    for r, cells in enumerate(rows):
        c = 0
        for text, rowspan, colspan in cells:
            while (r, c) in occupied:
                c += 1
            rowspan = min(max(1, rowspan), len(rows) - r)
            colspan = min(max(1, colspan), 1000)
            if len(occupied) + rowspan * colspan > max_cells:
                raise TableTooLarge(f"table grid exceeds {max_cells} cells")
            if rowspan > 1 or colspan > 1:
                spans.append((r, c, rowspan, colspan))
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied[(r + dr, c + dc)] = text
            c += colspan
            width = max(width, c)
            height = max(height, r + rowspan)
    if height * width > max_cells:
        raise TableTooLarge(f"table grid of {height}x{width} exceeds {max_cells} cells")
    grid = [[occupied.get((r, c), "") for c in range(width)] for r in range(height)]
    return grid, spans


def positioned_grid(
    cells: Iterable[tuple[int, int, int, int, str]], nrows: int, ncols: int,
    max_cells: int = 250_000,
) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """Expand cells given with absolute positions (row, col, rowspan, colspan, text), as PDF and
    spreadsheet readers know them, into a grid (TableTooLarge beyond ``max_cells``)."""
    if nrows * ncols > max_cells:
        raise TableTooLarge(f"table grid of {nrows}x{ncols} exceeds {max_cells} cells")
    grid = [["" for _ in range(ncols)] for _ in range(nrows)]
    spans: list[tuple[int, int, int, int]] = []
    for r, c, rs, cs, text in cells:
        rs, cs = max(1, rs), max(1, cs)
        if rs > 1 or cs > 1:
            spans.append((r, c, rs, cs))
        for rr in range(r, min(r + rs, nrows)):
            for cc in range(c, min(c + cs, ncols)):
                grid[rr][cc] = text
    return grid, spans


def trim(table: Table) -> Table | None:
    """Drop fully blank rows and columns (layout padding) and return None for a table with no
    text at all, keeping spans consistent with the remaining grid."""
    rows = table.rows
    if not rows:
        return None
    keep_r = [i for i, row in enumerate(rows) if any(cell.strip() for cell in row)]
    width = max(len(row) for row in rows)
    keep_c = [j for j in range(width) if any(j < len(row) and row[j].strip() for row in rows)]
    if not keep_r or not keep_c:
        return None
    if len(keep_r) == len(rows) and len(keep_c) == width:
        return table
    rmap = {old: new for new, old in enumerate(keep_r)}
    cmap = {old: new for new, old in enumerate(keep_c)}
    grid = [[(rows[r][c] if c < len(rows[r]) else "") for c in keep_c] for r in keep_r]
    spans = []
    for r, c, rs, cs in table.spans:
        rr = [rmap[x] for x in range(r, r + rs) if x in rmap]
        cc = [cmap[x] for x in range(c, c + cs) if x in cmap]
        if rr and cc and (len(rr) > 1 or len(cc) > 1):
            spans.append((rr[0], cc[0], len(rr), len(cc)))
    return Table(rows=grid, spans=spans, page=table.page, caption=table.caption)


def as_text(table: Table) -> str:
    """A table as tab-separated lines, the form tables take inside ``ExtractedDocument.text``.
    Repeated span copies are blanked so each merged label appears once in the text."""
    covered = {
        (r + dr, c + dc)
        for r, c, rs, cs in table.spans
        for dr in range(rs)
        for dc in range(cs)
        if dr or dc
    }
    lines = []
    for r, row in enumerate(table.rows):
        cells = ["" if (r, c) in covered else cell for c, cell in enumerate(row)]
        lines.append("\t".join(cells).rstrip("\t"))
    return "\n".join(lines)
