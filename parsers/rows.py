"""Table rows from flattened text, and the split of a row into label cells and value cells.

Tables reach the parser either as grids (HTML/DOCX/PDF/XLS readers) or flattened into text.
Flattened text comes in three shapes, all seen in real reports:

* one row per line, cells separated by tabs (HTML and Word copies; blank cells kept as empty
  strings between tabs);
* one cell per line, each line starting with a tab, a blank line ending the row (Word's
  "paste as text"), where a cell's own line breaks continue on lines without a leading tab;
* one row per line, cells separated by runs of spaces (``pdftotext -layout``), where blank
  cells are invisible and a long label may wrap onto its own line above the numbers.

:func:`text_rows` turns any of them into lists of cells so the same label-driven readers in
:mod:`parsers.tables` work on grids and on text.
"""

from __future__ import annotations

import re

from parsers.normalize import squash

_VALUE_RE = re.compile(
    r"^(?:[+\-−－]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元|万|件|个|条|项|次)?"
    r"|[—–\-/／－―~～]+|无)$"
)
_PAGE_NUMBER_RE = re.compile(r"^\s*(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)\s*$")
_NUMBERISH_RE = re.compile(
    r"^[+\-−－]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元|万|件|个|条|项|次)?$"
)


def is_value(cell: str) -> bool:
    """A cell that holds a table value: a number (with sign, decimals or a unit), a dash or
    slash meaning zero, or nothing at all."""
    s = squash(cell)
    return s == "" or bool(_VALUE_RE.match(s))


def is_number(cell: str) -> bool:
    """A cell holding an actual number (not blank, not a dash)."""
    return bool(_NUMBERISH_RE.match(squash(cell)))


def split_row(cells: list[str]) -> tuple[list[str], list[str]]:
    """(label cells, value cells) of one row: the values are the trailing run of value-like
    cells (blanks included, since a blank cell is a value of 0); the labels are the non-blank
    cells before them, with the repeats that span expansion produces removed."""
    end = len(cells)
    start = end
    while start > 0 and is_value(cells[start - 1]):
        start -= 1
    labels: list[str] = []
    for cell in cells[:start]:
        text = squash(cell)
        if text and (not labels or labels[-1] != text):
            labels.append(text)
    return labels, list(cells[start:])


def _is_cell_per_line_block(block: list[str]) -> bool:
    if not block or not block[0].startswith("\t"):
        return False
    return all(line.count("\t") == (1 if line.startswith("\t") else 0) for line in block) and (
        all(not line.startswith("\t") or line.index("\t") == 0 for line in block)
    )


def _cells_per_line(block: list[str]) -> list[str]:
    cells: list[str] = []
    for line in block:
        if line.startswith("\t"):
            cells.append(line[1:])
        elif cells:
            cells[-1] += "\n" + line
        else:
            cells.append(line)
    return cells


def _space_split(line: str) -> list[str]:
    """Cells of a space-separated line: numbers stay separate, adjacent words join into one
    label cell (a label wrapped or spaced inside its cell is still one label)."""
    cells: list[str] = []
    for token in line.split():
        if is_number(token) or not cells or is_number(cells[-1]):
            cells.append(token)
        else:
            cells[-1] += token
    return cells


def text_rows(text: str) -> list[list[str]]:
    """Rows of cells from flattened text (any of the three shapes in the module docstring)."""
    rows: list[list[str]] = []
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        if _is_cell_per_line_block(block):
            rows.append(_cells_per_line(block))
        else:
            for line in block:
                if "\t" in line:
                    rows.append(line.split("\t"))
                else:
                    cells = _space_split(line)
                    if cells:
                        rows.append(cells)
        block.clear()

    for line in text.splitlines():
        if line.strip() == "" and "\t" not in line:
            flush()  # an empty line ends a row; a line holding only a tab is a blank cell
        elif _PAGE_NUMBER_RE.match(line):
            continue  # page furniture ("- 3 -") inside a table that runs across pages
        else:
            block.append(line)
    flush()
    return rows
