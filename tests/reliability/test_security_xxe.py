"""Security: XML parsers never resolve external entities — the second line of defence.

The containers' DTD refusal (tests/reliability/test_hostile_documents.py) is the first line.
Here it is switched off, so XXE payloads pointing at a local file (general and parameter
entities, in DOCX, XLSX and OFD parts) reach python-docx, openpyxl/lxml and the OFD reader
themselves: the file's content must still never appear in what they return.
"""

from __future__ import annotations

import json

import pytest

from parsers.formats import Limits, extract
from tests.parsers.formats.builders import docx_report, ofd_document, xlsx_book
from tests.reliability.hostile_docs import (
    SECRET,
    inject_dtd,
    param_xxe_dtd,
    secret_file,
    xxe_dtd,
)


@pytest.fixture
def no_dtd_guard(monkeypatch):
    for module in ("docx", "xls", "ofd"):
        monkeypatch.setattr(f"parsers.formats.{module}.refuse_dtds", lambda *a, **k: None)


def _cases(tmp_path):
    import io
    import zipfile

    secret = secret_file(tmp_path)
    xlsx = xlsx_book()
    names = zipfile.ZipFile(io.BytesIO(xlsx)).namelist()
    sheet = next(n for n in names if n.startswith("xl/worksheets/"))
    strings = next((n for n in names if n.endswith("sharedStrings.xml")), sheet)
    return {
        "docx general": (inject_dtd(docx_report(), "word/document.xml", xxe_dtd(secret), "xxe"), "x.docx"),
        "docx parameter": (inject_dtd(docx_report(), "word/document.xml", param_xxe_dtd(secret), "leak"),
                           "x.docx"),
        "xlsx sheet": (inject_dtd(xlsx, sheet, xxe_dtd(secret), "xxe"), "x.xlsx"),
        "xlsx strings": (inject_dtd(xlsx, strings, xxe_dtd(secret), "xxe"), "x.xlsx"),
        "ofd general": (ofd_document(["&xxe;", "正文"], doctype=xxe_dtd(secret)), "x.ofd"),
        "ofd parameter": (ofd_document(["&leak;", "正文"], doctype=param_xxe_dtd(secret)), "x.ofd"),
    }


def test_readers_do_not_resolve_external_entities_without_the_dtd_guard(tmp_path, no_dtd_guard,
                                                                         reliability_record):
    cases = _cases(tmp_path)
    leaked, read = [], []
    for name, (data, filename) in cases.items():
        doc = extract(data, filename=filename, limits=Limits(isolate="never"))
        if doc.text:
            read.append(name)  # the reader really parsed the part holding the payload
        dumped = json.dumps([doc.text, doc.title, doc.fields, doc.warnings,
                             [t.rows for t in doc.tables]], ensure_ascii=False)
        if SECRET in dumped:
            leaked.append(name)
    assert leaked == []
    assert {"docx general", "ofd general"} <= set(read)  # parsed, entity left unexpanded
    reliability_record("XXE with the DTD guard off", "local-file XXE (general and parameter "
                       "entities) in DOCX, XLSX and OFD parts fed to the readers with the "
                       "container DTD refusal disabled; the file never appears",
                       area="security", inputs_tried=len(cases), leaks=len(leaked))


def test_the_guard_is_what_refuses_them(tmp_path):
    """Same payloads with the guard on: refused outright with a warning naming the DTD."""
    for name, (data, filename) in _cases(tmp_path).items():
        doc = extract(data, filename=filename, limits=Limits(isolate="never"))
        assert doc.text == "" and any("DTD" in w for w in doc.warnings), name
