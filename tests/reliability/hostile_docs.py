"""Hostile and broken documents for the reliability suite, each with the words its warning must
contain. Built from the parser tests' well-formed builders, then broken on purpose.

``SECRET`` is the content of a local file the XXE payloads point at: it must never appear in
any output. The file itself is written by :func:`secret_file`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.parsers.formats.builders import (
    docx_report,
    ofd_document,
    pdf_pages,
    pdf_report,
    xlsx_book,
)

SECRET = "XXE-LEAKED-7f3a9c-root:x:0:0"

BILLION_LAUGHS_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>"
)


def secret_file(directory: Path) -> Path:
    path = directory / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def xxe_dtd(secret: Path) -> str:
    return f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'


def param_xxe_dtd(secret: Path) -> str:
    return (f'<!DOCTYPE d [<!ENTITY % p SYSTEM "{secret.as_uri()}">'
            '<!ENTITY % q "<!ENTITY leak \'%p;\'>">%q;]>')


def rewrite_zip(data: bytes, change: Callable[[str, bytes], tuple[str, bytes] | None],
                compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Copy a zip, passing each member through ``change(name, content)`` (None drops it)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as out:
        for info in src.infolist():
            got = change(info.filename, src.read(info.filename))
            if got is not None:
                out.writestr(got[0], got[1])
    return buf.getvalue()


def inject_dtd(data: bytes, part: str, dtd: str, body_entity: str) -> bytes:
    """Put ``dtd`` in the prolog of ``part`` and a reference to ``body_entity`` in its text."""

    def change(name: str, content: bytes) -> tuple[str, bytes]:
        if name != part:
            return name, content
        text = content.decode("utf-8")
        head, sep, rest = text.partition("?>")
        text = f"{head}{sep}{dtd}{rest}" if sep else dtd + text
        for tag in ("<w:t>", "<t>", "<ofd:TextCode X=\"0\" Y=\"5\">"):
            if tag in text:
                text = text.replace(tag, f"{tag}&{body_entity};", 1)
                break
        return name, text.encode("utf-8")

    return rewrite_zip(data, change)


def rename_part(data: bytes, old: str, new: str) -> bytes:
    """Rename an OOXML part (and every reference to it): a DTD in a part whose name does not
    end in .xml must still be caught."""
    stem_old, stem_new = old.rsplit("/", 1)[-1], new.rsplit("/", 1)[-1]

    def change(name: str, content: bytes) -> tuple[str, bytes]:
        name = name.replace(stem_old, stem_new)
        if name.endswith((".xml", ".rels")):
            content = content.replace(stem_old.encode(), stem_new.encode())
        return name, content

    return rewrite_zip(data, change)


def zip_bomb_docx() -> bytes:
    """document.xml padded with 64 MB of zeros inside a comment: a tiny deflated member."""
    big = b"<!--" + b"0" * (64 * 1024 * 1024) + b"-->"

    def change(name: str, content: bytes) -> tuple[str, bytes]:
        return (name, content.replace(b"<w:body>", b"<w:body>" + big, 1)) if name == "word/document.xml" else (name, content)

    return rewrite_zip(docx_report(), change)


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_report())))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@dataclass
class Hostile:
    name: str
    data: bytes
    words: tuple[str, ...]  # the warning must contain each (case-insensitive)
    kind: str


def hostile_documents(tmp: Path) -> list[Hostile]:
    """Every hostile document the suite tries (a few seconds to build)."""
    secret = secret_file(tmp)
    docx, xlsx = docx_report(), xlsx_book()
    pdf = pdf_report()
    bomb = zip_bomb_docx()
    sheet = next(n for n in zipfile.ZipFile(io.BytesIO(xlsx)).namelist() if n.startswith("xl/worksheets/"))
    thousand = pdf_pages(3000)
    out = [
        Hostile("bomb.docx", bomb, ("zip bomb",), "zip bomb (64 MB of zeros, ~1000x, in a DOCX)"),
        Hostile("laughs.docx", inject_dtd(docx, "word/document.xml", BILLION_LAUGHS_DTD, "lol9"),
                ("DTD",), "billion laughs in DOCX"),
        Hostile("laughs.xlsx", inject_dtd(xlsx, sheet, BILLION_LAUGHS_DTD, "lol9"), ("DTD",),
                "billion laughs in XLSX"),
        Hostile("laughs.ofd", ofd_document(["&lol9;", "正文"], doctype=BILLION_LAUGHS_DTD), ("DTD",),
                "billion laughs in OFD"),
        Hostile("xxe.docx", inject_dtd(docx, "word/document.xml", xxe_dtd(secret), "xxe"), ("DTD",),
                "XXE (local file) in DOCX"),
        Hostile("xxe-renamed.docx", rename_part(inject_dtd(docx, "word/document.xml", xxe_dtd(secret),
                                                           "xxe"), "word/document.xml", "word/body.bin"),
                ("DTD", "word/body.bin"), "XXE in a DOCX part not named .xml"),
        Hostile("xxe-param.xlsx", inject_dtd(xlsx, sheet, param_xxe_dtd(secret), "leak"), ("DTD",),
                "parameter-entity XXE in XLSX"),
        Hostile("xxe.ofd", ofd_document(["&xxe;", "正文"], doctype=xxe_dtd(secret)), ("DTD",),
                "XXE in OFD"),
        Hostile("xxe.html", (f'<?xml version="1.0"?>{xxe_dtd(secret)}<html><head><title>&xxe;</title>'
                             f"</head><body><p>&xxe;</p><p>正文</p></body></html>").encode(), ("",),
                "XXE in (X)HTML"),
        Hostile("corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 64, ("pdf",), "corrupt PDF"),
        Hostile("truncated.pdf", pdf[: len(pdf) // 3], ("pdf",), "truncated PDF"),
        Hostile("encrypted.pdf", encrypted_pdf(), ("password",), "encrypted PDF"),
        Hostile("3000-pages.pdf", thousand, ("page",), "PDF with 3000 pages"),
        Hostile("garbage.docx", b"PK\x03\x04" + b"\x00garbage" * 500, ("zip",), "corrupt DOCX"),
        Hostile("malformed.html", ("<html><body>" + "<div><table><tr><td>" * 3000 + "年度报告"
                                   + "</b></i>" * 2000).encode(), ("nested too deeply",),
                "malformed, deeply nested HTML"),
        Hostile("lying-charset.html", ('<html><head><meta charset="utf-8"><title>年度报告</title></head>'
                                       "<body><p>吴忠市人民政府2023年政府信息公开工作年度报告</p></body></html>"
                                       ).encode("gb18030"), ("",), "GBK page declaring UTF-8"),
        Hostile("nul-bytes.html", b"<html>\x00\x00<body>\xff\xfe\x00" * 1000, ("",), "NUL bytes in HTML"),
    ]
    return out
