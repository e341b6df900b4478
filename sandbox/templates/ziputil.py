"""Deterministic OOXML zip containers (DOCX, XLSX)."""

from __future__ import annotations

import io
import re
import zipfile

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def normalise_zip(data: bytes, replace: dict[str, tuple[re.Pattern[str], str]] | None = None) -> bytes:
    """Rewrite an OOXML zip with fixed timestamps (and optional text substitutions per member),
    so the same content gives the same bytes; python-docx and openpyxl stamp the current time."""
    replace = replace or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename in replace:
                pattern, repl = replace[info.filename]
                blob = pattern.sub(repl, blob.decode("utf-8")).encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, blob)
    return out.getvalue()
