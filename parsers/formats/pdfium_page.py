"""Characters and ruling lines of PDF pages, read with PDFium (pypdfium2), in pdfplumber's shapes.

Why: pdfminer (under pdfplumber) interprets content streams in pure Python, ~0.8 CPU-s for a
real 5-page WPS export whose text is positioned glyph by glyph; PDFium does the same in C in
~0.07 s. pdfplumber's table *geometry* (edges → intersections → cells → tables) and its
line-building text map are kept, fed with PDFium's characters and path segments through a small
page-shaped object, so the table logic is pdfplumber's, only the parsing is PDFium's.

Coordinates follow pdfplumber: x from the left, ``top``/``bottom`` from the top of the page.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any

_MAX_OBJECTS = 200_000  # path objects per page (form XObjects included) before giving up
_MAX_DEPTH = 8  # nesting of form XObjects


@dataclass
class PageData:
    """What the table finder and line builder need from one page."""

    width: float
    height: float
    chars: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (0.0, 0.0, self.width, self.height)

    # pdfplumber's TableFinder only uses these on "text" strategies, which we do not use
    def extract_words(self, **_kwargs: Any) -> list[dict[str, Any]]:  # pragma: no cover
        return []


def _chars(page, height: float) -> list[dict[str, Any]]:
    """Characters with boxes. The loose box (font ascent to descent) keeps one line's
    characters at one height, which line building needs; some fonts (scaled text matrices in
    WPS exports) report absurd loose boxes hundreds of points wide, so a loose box is used only
    when it is within 3x the page's median glyph size, else a box of that size is centred on
    the glyph's tight box."""
    import pypdfium2.raw as R

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        rect = R.FS_RECTF()
        left, right, low, high = (ctypes.c_double() for _ in range(4))
        raw = []
        for i in range(n):
            if R.FPDFText_IsGenerated(textpage, i) == 1:
                continue
            code = R.FPDFText_GetUnicode(textpage, i)
            if code in (0, 0xFFFE, 0xFFFF) or (code < 32 and code != 9) or 0xD800 <= code <= 0xDFFF:
                continue
            if not R.FPDFText_GetCharBox(textpage, i, left, right, low, high):
                continue
            loose = None
            if R.FPDFText_GetLooseCharBox(textpage, i, rect):
                loose = (rect.left, rect.bottom, rect.right, rect.top)
            raw.append((chr(code), (left.value, low.value, right.value, high.value), loose))
    finally:
        textpage.close()
    sizes = sorted(max(t[2] - t[0], t[3] - t[1]) for c, t, _ in raw if not c.isspace())
    median = sizes[len(sizes) // 2] if sizes else 10.0
    median = max(median, 1.0)
    out = []
    for text, (tl, tb, tr, tt), loose in raw:
        cx, cy = (tl + tr) / 2, (tb + tt) / 2
        if loose and loose[2] - loose[0] <= 3 * median and loose[3] - loose[1] <= 3 * median \
                and loose[0] - 1 <= cx <= loose[2] + 1 and loose[1] - 1 <= cy <= loose[3] + 1:
            x0, y_low, x1, y_high = loose
        else:
            half = max(tt - tb, median) / 2
            x0, x1, y_low, y_high = tl, max(tr, tl + 0.1), cy - half, cy + half
        top, bottom = height - y_high, height - y_low
        out.append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                    "doctop": top, "width": x1 - x0, "height": bottom - top, "upright": True,
                    "size": bottom - top, "fontname": "", "object_type": "char",
                    "matrix": (1, 0, 0, 1, x0, y_low)})
    return out


def _matrix(obj_raw) -> tuple[float, ...]:
    import pypdfium2.raw as R

    m = R.FS_MATRIX()
    if not R.FPDFPageObj_GetMatrix(obj_raw, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    """inner then outer (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _edge(x0: float, y0: float, x1: float, y1: float, height: float) -> dict[str, Any] | None:
    """A horizontal or vertical segment as a pdfplumber edge (others are not ruling lines)."""
    if abs(y0 - y1) < 0.5:
        left, right = sorted((x0, x1))
        top = height - y0
        return {"x0": left, "x1": right, "top": top, "bottom": top, "doctop": top,
                "width": right - left, "height": 0.0, "orientation": "h", "object_type": "line"}
    if abs(x0 - x1) < 0.5:
        top, bottom = sorted((height - y0, height - y1))
        return {"x0": x0, "x1": x0, "top": top, "bottom": bottom, "doctop": top,
                "width": 0.0, "height": bottom - top, "orientation": "v", "object_type": "line"}
    return None


def _path_edges(obj_raw, matrix: tuple[float, ...], height: float, out: list) -> None:
    import pypdfium2.raw as R

    a, b, c, d, e, f = matrix
    x = ctypes.c_float()
    y = ctypes.c_float()
    start = cur = None
    for i in range(R.FPDFPath_CountSegments(obj_raw)):
        seg = R.FPDFPath_GetPathSegment(obj_raw, i)
        if not seg or not R.FPDFPathSegment_GetPoint(seg, x, y):
            continue
        pt = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = R.FPDFPathSegment_GetType(seg)
        if kind == R.FPDF_SEGMENT_MOVETO:
            start = cur = pt
        elif kind == R.FPDF_SEGMENT_LINETO and cur is not None:
            edge = _edge(cur[0], cur[1], pt[0], pt[1], height)
            if edge:
                out.append(edge)
            cur = pt
        else:  # Bézier points: curves are not ruling lines
            cur = pt
        if R.FPDFPathSegment_GetClose(seg) and start is not None and cur is not None:
            edge = _edge(cur[0], cur[1], start[0], start[1], height)
            if edge:
                out.append(edge)
            cur = start


def _edges(page, height: float) -> tuple[list[dict[str, Any]], bool]:
    """Ruling lines from path objects, descending into form XObjects with composed matrices.
    Returns (edges, truncated) where truncated says the object budget ran out."""
    import pypdfium2.raw as R

    out: list[dict[str, Any]] = []
    seen = 0
    stack: list[tuple[Any, tuple[float, ...], int]] = []
    for i in range(R.FPDFPage_CountObjects(page.raw) - 1, -1, -1):
        stack.append((R.FPDFPage_GetObject(page.raw, i), (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0))
    while stack:
        obj, parent, depth = stack.pop()
        seen += 1
        if seen > _MAX_OBJECTS:
            return out, True
        kind = R.FPDFPageObj_GetType(obj)
        if kind == R.FPDF_PAGEOBJ_PATH:
            _path_edges(obj, _compose(_matrix(obj), parent), height, out)
        elif kind == R.FPDF_PAGEOBJ_FORM and depth < _MAX_DEPTH:
            m = _compose(_matrix(obj), parent)
            for j in range(R.FPDFFormObj_CountObjects(obj) - 1, -1, -1):
                stack.append((R.FPDFFormObj_GetObject(obj, j), m, depth + 1))
    return out, False


def read_page(page) -> PageData:
    """Characters and ruling-line edges of one pypdfium2 page."""
    width, height = page.get_size()
    edges, truncated = _edges(page, height)
    return PageData(width=width, height=height, chars=_chars(page, height), edges=edges,
                    truncated=truncated)
