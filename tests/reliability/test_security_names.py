"""Security: names from the web never become file paths.

A portal serves attachments whose URL paths and ``Content-Disposition`` names try to escape
(``../../``, absolute paths, RFC 5987 encoded traversal, NUL bytes, 5000-character names), one a
real DOC so the index converts it with LibreOffice (the one stage that writes a document to a
temporary file). After ``nianbao crawl``, ``index``, ``publish``, ``export`` and ``archive wacz``,
no file or directory anywhere under the test directory, the data directory's parents, ``/tmp``
or the repository carries any of those names, and every file the data directory holds has a
name nianbao chose.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from parsers.formats.doc import convert
from tests.parsers.formats.builders import docx_report
from tests.reliability.hostile import (
    LOOPBACK_ALLOWED,
    REPO,
    HostileServer,
    crawl,
    env,
    html,
    items,
    registry,
    robots,
)

TOKEN = f"PWNED{secrets.token_hex(4)}"


def _nianbao(*args: str) -> None:
    out = subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, text=True,
                         timeout=600, env=env(), cwd=REPO)
    assert out.returncode == 0, f"nianbao {' '.join(args)}:\n{out.stderr[-3000:]}"


def _names_under(root: Path, depth: int) -> list[str]:
    found = []
    base = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root):
        if len(Path(dirpath).parts) - base >= depth:
            dirnames[:] = []
        found += [os.path.join(dirpath, n) for n in dirnames + filenames]
    return found


def test_attachment_names_never_become_paths(tmp_path, reliability_record):
    doc = convert(docx_report(), "docx", "doc", 180)  # a real Word 97 file: LibreOffice reads it
    dispositions = [
        f'attachment; filename="../../../../../../tmp/{TOKEN}-dotdot.doc"',
        f'attachment; filename="/tmp/{TOKEN}-absolute.doc"',
        f"attachment; filename*=UTF-8''..%2F..%2F..%2F..%2Ftmp%2F{TOKEN}-rfc5987.doc",
        f'attachment; filename="..\\\\..\\\\{TOKEN}-backslash.doc"',
        f'attachment; filename="{TOKEN}-nul\x00.doc.sh"',
        f'attachment; filename="{TOKEN}-{"长" * 5000}.doc"',
    ]
    paths = [f"/files/..%2F..%2F..%2Ftmp%2F{TOKEN}-url{i}.doc" for i in range(len(dispositions))]
    paths.append(f"/download.jsp?file=../../../../tmp/{TOKEN}-query.docx")
    routes = {"/robots.txt": robots}
    links = ""
    for i, path in enumerate(paths):
        # raw UTF-8 bytes on the wire, as Chinese servers send file names
        disposition = dispositions[i % len(dispositions)].encode("utf-8").decode("latin-1")
        routes[path.split("?")[0]] = (lambda d: lambda _h: (
            200, [("Content-Type", "application/msword"), ("Content-Disposition", d)], doc))(disposition)
        links += f'<a href="{path}">附件{i}：2023年政府信息公开工作年度报告.doc</a>'
    title = "吴忠市人民政府2023年政府信息公开工作年度报告"
    routes["/"] = lambda _h: (200, [("Content-Type", "text/html; charset=utf-8")],
                              html(f"<h1>{title}</h1><p>2023年度报告全文见附件</p>{links}", title=title))
    data = tmp_path / "data"
    with HostileServer(routes) as server:
        crawl(registry(tmp_path / "r.csv", server.url("/")), data, settings=LOOPBACK_ALLOWED)
        hits = list(server.hits)
    served = [p for p in paths if p.split("?")[0] in {h.split("?")[0] for h in hits}]
    assert len(served) == len(paths), hits  # every hostile name was fetched
    fetched = [it for it in items(data) if it.get("type") == "fetch" and it.get("document")]
    assert len(fetched) >= len(paths)
    crawl_id = next((data / "crawls").iterdir()).name
    _nianbao("index", "--data", str(data), "-j", "1")
    _nianbao("publish", "--data", str(data), "--out", str(tmp_path / "site"))
    _nianbao("export", "--data", str(data), "--out", str(tmp_path / "export"))
    _nianbao("archive", "wacz", "--data", str(data), "--crawl", crawl_id, "--out",
             str(tmp_path / "crawl.wacz"))
    import sqlite3

    with sqlite3.connect(data / "catalog.db") as conn:
        converted = conn.execute("select count(*) from documents where format = 'doc' "
                                 "and length(text) > 0").fetchone()[0]
    assert converted >= 1  # LibreOffice really converted them: the temp-file path was exercised
    roots = [(tmp_path, 12), (Path("/tmp"), 2), (REPO, 2), (tmp_path.parent, 1), (Path("/"), 1)]
    escaped = [n for root, depth in roots for n in _names_under(root, depth) if TOKEN in n]
    assert escaped == []
    # the data directory holds only names nianbao chose
    allowed = re.compile(r"^(?:NIANBAO-\d{14}-\d{5}-[\w.-]+\.warc\.gz(?:\.open)?|[\w.-]+\.cdxj|"
                         r"catalog\.db(?:-wal|-shm|\.[\w-]+)?|[\w.:-]+\.(?:json|jsonl|log|sqlite|db|"
                         r"lock|pid|csv|txt)|[\w.-]+|RUNNING)$")
    odd = [str(p.relative_to(data)) for p in data.rglob("*") if not allowed.match(p.name)]
    assert odd == []
    reliability_record("Attachment names never become paths",
                       "URL paths and Content-Disposition names with ../, absolute, RFC 5987, "
                       "backslash, NUL and 5000-character names; crawl, index (LibreOffice "
                       "conversion), publish, export, WACZ; no file anywhere carries them",
                       area="security", inputs_tried=len(paths) + len(dispositions),
                       files_escaped=len(escaped), doc_converted=converted)
