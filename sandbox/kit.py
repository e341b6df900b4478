"""The seam between the portals (this side) and report documents (``content``/``documents``).

The site renders report text and files only through a ``DocumentKit``, so the portal code
can be tested on its own and the document modules can be swapped or faked.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, Protocol


class MakeContent(Protocol):
    def __call__(self, rng: random.Random, *, agency_name: str, region_name: str, year: int,
                 template: str, consistent: bool = True,
                 published: dt.date | None = None) -> Any: ...


@dataclass(frozen=True)
class DocumentKit:
    make_report_content: MakeContent
    render_document: Any  # (content, fmt) -> bytes
    report_body_html: Any  # (content) -> str


def default_kit() -> DocumentKit:
    """The real document modules (imported on first use: they pull in reportlab, docx…)."""
    from sandbox.content import make_report_content
    from sandbox.documents import render_document, report_body_html

    return DocumentKit(make_report_content, render_document, report_body_html)
