"""Plain text: decoded like HTML (declared charset → BOM → detection), no tables.

Tab-separated lines stay in the text as they are, which is how tables appear in every other
reader's text too; they are not turned into Table objects because a plain file gives no
evidence of where a table starts beyond the tabs themselves.
"""

from __future__ import annotations

from parsers.formats.base import ExtractedDocument, Limits, failed
from parsers.formats.html import decode_html
from parsers.formats.textutil import clean_text, fields_in_line, text_end_dates


def extract_text(data: bytes, *, content_type: str | None, limits: Limits, where: str) -> ExtractedDocument:
    """Read a plain-text document."""
    if len(data) > limits.max_html_bytes:
        return failed("text", where, f"text of {len(data)} bytes exceeds the limit of "
                      f"{limits.max_html_bytes} bytes; not read")
    raw, codec, evidence, warnings = decode_html(data, content_type)
    if evidence not in ("header", "bom"):
        warnings.append(f"charset {codec} by {evidence}")
    text = clean_text(raw.replace("\x00", ""))
    fields: dict[str, str] = {}
    for line in [ln for ln in text.split("\n") if ln.strip()][:12]:
        for label, value in fields_in_line(line):
            fields.setdefault(label, value)
    return ExtractedDocument(format="text", text=text, fields=fields, dates=text_end_dates(text),
                             charset=codec, warnings=warnings)
