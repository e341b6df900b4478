"""Fuzzing: mutated bytes of a valid document of each format never make ``extract`` raise,
and whatever comes back is well-formed (rectangular grids, spans inside them).

Derandomized so ``make test`` is reproducible; raise max_examples locally to fuzz harder.
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.formats import ExtractedDocument, Limits, extract
from parsers.formats.doc import convert

from . import builders

FORMATS = {"html", "pdf", "docx", "doc", "wps", "xls", "xlsx", "ofd", "text", "unknown"}


@cache
def valid(fmt: str) -> bytes:
    return {
        "html": lambda: builders.html_page("gbk"),
        "pdf": builders.pdf_report,
        "docx": builders.docx_report,
        "xlsx": builders.xlsx_book,
        "xls": builders.xls_book,
        "ofd": lambda: builders.ofd_document(["标题", "正文", "2024年1月18日"]),
        "doc": lambda: convert(builders.docx_report(), "docx", "doc", timeout=120),
    }[fmt]()


mutations = st.tuples(
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=24),
    st.one_of(st.none(), st.floats(0.05, 1)),  # truncate to this fraction, or not
)


def mutate(data: bytes, edits, cut) -> bytes:
    buf = bytearray(data)
    for where, value in edits:
        buf[int(where * len(buf))] = value
    if cut is not None:
        buf = buf[: max(1, int(cut * len(buf)))]
    return bytes(buf)


def well_formed(doc: ExtractedDocument) -> None:
    assert isinstance(doc, ExtractedDocument)
    assert doc.format in FORMATS
    assert isinstance(doc.text, str)
    for table in doc.tables:
        width = len(table.rows[0])
        assert all(len(row) == width for row in table.rows)
        for r, c, rs, cs in table.spans:
            assert 0 <= r and r + rs <= len(table.rows) and 0 <= c and c + cs <= width


LIMITS = Limits(max_seconds=20)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("fmt", ["html", "pdf", "docx", "xlsx", "xls", "ofd"])
def test_mutated_documents_never_raise(fmt):
    data = valid(fmt)

    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(mutations)
    def run(m):
        well_formed(extract(mutate(data, *m), filename=f"fuzz.{fmt}", limits=LIMITS))

    run()


@pytest.mark.timeout(300)
def test_mutated_word97_documents_never_raise():
    data = valid("doc")

    @settings(max_examples=3, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(mutations)
    def run(m):
        well_formed(extract(mutate(data, *m), filename="fuzz.doc", limits=LIMITS))

    run()


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=3000), st.sampled_from(["a.pdf", "a.docx", "a.xls", "a.html", "a.ofd", None]))
def test_arbitrary_bytes_never_raise(data, name):
    well_formed(extract(data, filename=name, limits=Limits(isolate="never")))
