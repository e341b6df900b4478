"""PDF tables drawn without ruling lines: columns and rows from the words' positions.

Some exports draw no cell borders at all, or only a rule above and below the table (三线表).
Then only the layout separates the cells: the numbers of one column stand under that column's
header, and a blank cell is just a gap. Reading such a table as text loses the gaps (a row
"2 2" with 13 blank cells reads as two numbers), so its rows are rebuilt from positions:

1. the page's words are grouped into lines; a *value line* has at least three numbers;
2. the columns are where the numbers stand: the numbers of one column overlap horizontally
   (centred, right- or left-aligned alike), those of neighbouring columns do not; the table's
   value area starts at the leftmost number, and the lines just above the first value line
   that reach into it are the header (its words go to the nearest column, as header text);
3. each number goes to its column, never two numbers into one (that would be a guess, and
   the table is then left to the text reader);
4. label words left of the value area form label cells: a cell's stacked lines are merged
   (same left edge or centre, close below, not starting a new numbered item) and each label
   cell joins the value line it overlaps most; a label cell that overlaps no value line could
   be a row of blank cells or a stray label, which positions cannot tell, so then no table is
   made (the text reader leaves such rows null). Tables that leave zeros blank *and* draw no
   borders are therefore not read from positions.

The result is a :class:`Table` grid with explicit blank cells, which the label readers of
:mod:`parsers.tables` read like any ruled table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.formats.base import Table

_NUMBER = re.compile(r"^[+\-−－]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[—–\-/／－―]+$")
_MIN_VALUES = 3  # numbers on a line for it to be a table row
_MAX_HEADER_LINES = 8


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class _Line:
    words: list[_Word]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class AlignedTable:
    """A table found without ruling lines, with its box on the page and its value columns'
    left edges (to tell a continuation on the next page)."""

    table: Table
    x0: float
    top: float
    x1: float
    bottom: float
    col_xs: list[float]


def _words(chars: list[dict]) -> list[_Word]:
    from pdfplumber.utils.text import extract_words

    return [_Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
            for w in extract_words(chars, x_tolerance=1.5, y_tolerance=2.5)
            if w["text"].strip()]


def _lines(words: list[_Word]) -> list[_Line]:
    """Words grouped into lines by vertical overlap, top to bottom, each left to right."""
    lines: list[_Line] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines:
            last = lines[-1]
            height = max(w.bottom - w.top, 1.0)
            if abs((w.top + w.bottom) / 2 - last.yc) <= 0.45 * height:
                last.words.append(w)
                continue
        lines.append(_Line([w]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def _values(line: _Line) -> list[_Word]:
    """The numbers at the right end of a line (after its label); none when fewer than two of
    them hold digits (a page number "- 3 -" is not a table row)."""
    out: list[_Word] = []
    for w in reversed(line.words):
        if not _NUMBER.match(w.text):
            break
        out.append(w)
    if sum(1 for w in out if any(ch.isdigit() for ch in w.text)) < 2:
        return []
    return out[::-1]


def _columns(values: list[_Word]) -> list[tuple[float, float]]:
    """Column intervals: the numbers of one column overlap horizontally (centred, right- or
    left-aligned alike), those of neighbouring columns do not."""
    out: list[tuple[float, float]] = []
    for v in sorted(values, key=lambda v: v.x0):
        if out and v.x0 <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], v.x1))
        else:
            out.append((v.x0, v.x1))
    return out


def _place(values: list[_Word], columns: list[tuple[float, float]]) -> list[str] | None:
    """The row's cells: each number under its column; None when a number stands under no
    column or two numbers under one (ambiguous: no guess)."""
    cells = [""] * len(columns)
    centres = [(a + b) / 2 for a, b in columns]
    for v in values:
        inside = [i for i, (a, b) in enumerate(columns) if a - 2 <= v.xc <= b + 2]
        if len(inside) == 1:
            i = inside[0]
        else:
            i = min(range(len(columns)), key=lambda k: abs(centres[k] - v.xc))
            gap = min((abs(centres[k] - centres[i]) for k in range(len(columns)) if k != i),
                      default=float("inf"))
            if abs(centres[i] - v.xc) > gap / 2:
                return None
        if cells[i]:
            return None
        cells[i] = v.text
    return cells


def _is_prose(line: _Line, width: float) -> bool:
    """A sentence line (long text in one or two runs), which no table header is."""
    text = "".join(w.text for w in line.words)
    span = line.words[-1].x1 - line.words[0].x0
    return len(line.words) <= 2 and (len(text) >= 30 or span > 0.8 * width)


_NEW_ITEM = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．])")


@dataclass
class _Fragment:
    """A label cell's text: words of the label area, stacked lines of one cell merged."""

    words: list[_Word]

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def xc(self) -> float:
        return (min(w.x0 for w in self.words) + max(w.x1 for w in self.words)) / 2

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def text(self) -> str:
        return "".join(w.text for w in self.words)


def _fragments(lines: list[_Line], left: float) -> list[_Fragment]:
    """Label cells of the rows: each line's label words split at wide gaps, then lines of one
    cell merged (same left edge or same centre, the next line close below, not starting a
    new numbered item)."""
    pieces: list[_Fragment] = []
    for line in lines:
        current: list[_Word] = []
        for w in line.words:
            if w.xc >= left:
                break
            if current and w.x0 - current[-1].x1 > 0.5 * max(w.bottom - w.top, 4.0):
                pieces.append(_Fragment(current))
                current = []
            current.append(w)
        if current:
            pieces.append(_Fragment(current))
    merged: list[_Fragment] = []
    for piece in pieces:
        height = max(piece.bottom - piece.top, 4.0)
        target = None
        for frag in reversed(merged):
            if piece.top - frag.bottom > 0.5 * height:
                continue
            if (abs(frag.x0 - piece.x0) <= 3 or abs(frag.xc - piece.xc) <= 3) and \
                    0 <= piece.top - frag.top and not _NEW_ITEM.match(piece.text):
                target = frag
                break
        if target is not None:
            target.words.extend(piece.words)
        else:
            merged.append(piece)
    return merged


def aligned_tables(chars: list[dict], page_no: int, page_width: float) -> list[AlignedTable]:
    """Tables without ruling lines among ``chars`` (see module docstring)."""
    lines = _lines(_words(chars))
    tables: list[AlignedTable] = []
    i = 0
    while i < len(lines):
        if len(_values(lines[i])) < _MIN_VALUES:
            i += 1
            continue
        # the run of lines holding this table's rows: value lines and the label lines between
        end = i
        j = i + 1
        while j < len(lines):
            gap = lines[j].top - lines[j - 1].bottom
            if gap > 3 * max(lines[j - 1].bottom - lines[j - 1].top, 6.0):
                break
            if len(_values(lines[j])) >= _MIN_VALUES:
                end = j
            elif _is_prose(lines[j], page_width) or j - end > 4:
                break
            j += 1
        # label lines just below the last value line (the rest of a wrapped last label):
        # close below, and only in the label area (a next table's header reaches further)
        left = min(v.x0 for line in lines[i : end + 1] for v in _values(line)) - 2
        while end + 1 < len(lines) and not _values(lines[end + 1]) and \
                lines[end + 1].top - lines[end].bottom < 0.8 * (lines[end].bottom - lines[end].top) \
                and all(w.xc < left for w in lines[end + 1].words):
            end += 1
        table = _table_at(lines, i, end, page_no, page_width)
        if table is not None:
            tables.append(table)
        i = end + 1
    return tables


def _table_at(lines: list[_Line], first: int, end: int, page_no: int,
              page_width: float) -> AlignedTable | None:
    """The table whose value lines run from ``lines[first]`` to ``lines[end]``, or None when
    its cells cannot be placed without guessing."""
    body = lines[first : end + 1]
    value_lines = [line for line in body if len(_values(line)) >= _MIN_VALUES]
    values = [v for line in value_lines for v in _values(line)]
    left = min(v.x0 for v in values) - 2
    # header: lines above reaching into the value area, up to prose or a wide gap
    start = first
    while start > 0 and first - start < _MAX_HEADER_LINES:
        above = lines[start - 1]
        gap = lines[start].top - above.bottom
        if _is_prose(above, page_width) or gap > 3 * max(above.bottom - above.top, 6.0):
            break
        if not any(w.x1 > left for w in above.words) or _values(above):
            break
        start -= 1
    header_lines = lines[start:first]
    header_words = [w for line in header_lines for w in line.words if w.xc >= left]
    columns = _columns(values)
    if len(columns) < _MIN_VALUES:
        return None
    if len(value_lines) < 2 and len(header_words) < _MIN_VALUES:
        return None  # one line of numbers under no header (a phone number) is no table
    centres = [(a + b) / 2 for a, b in columns]
    rows: list[list[str]] = []
    if header_lines:
        cells = [""] * len(columns)
        for line in header_lines:
            for w in line.words:
                if w.xc >= left:
                    k = min(range(len(columns)), key=lambda c: abs(centres[c] - w.xc))
                    cells[k] += w.text
        label = "".join(w.text for line in header_lines for w in line.words if w.xc < left)
        rows.append([label, *cells])
    # each label cell belongs to the value line it overlaps most; one that overlaps none
    # could be a row of blank cells or a stray label: that is not decidable, so no table
    placed: list[list[str]] = []
    for line in value_lines:
        cells_or_none = _place(_values(line), columns)
        if cells_or_none is None:
            return None
        placed.append(cells_or_none)
    labels: list[list[_Fragment]] = [[] for _ in value_lines]
    for frag in _fragments(body, left):
        pad = 0.3 * max(frag.bottom - frag.top, 4.0) if len(frag.words) == 1 else 0.0
        overlaps = [min(frag.bottom + pad, line.bottom) - max(frag.top - pad, line.top)
                    for line in value_lines]
        best = max(range(len(value_lines)), key=lambda k: overlaps[k])
        if overlaps[best] <= 0:
            return None
        labels[best].append(frag)
    width = max(len(frags) for frags in labels) if labels else 0
    for frags, cells in zip(labels, placed, strict=True):
        texts = [f.text for f in sorted(frags, key=lambda f: f.x0)]
        rows.append([""] * (width - len(texts)) + texts + cells)
    full = max(len(r) for r in rows)
    grid = [r[:-len(columns)] + [""] * (full - len(r)) + r[-len(columns):] if len(r) < full else r
            for r in rows]
    used = lines[start : end + 1]
    return AlignedTable(
        table=Table(rows=grid, page=page_no),
        x0=min(w.x0 for line in used for w in line.words),
        top=lines[start].top,
        x1=max(w.x1 for line in used for w in line.words),
        bottom=lines[end].bottom,
        col_xs=[a for a, _ in columns],
    )
