"""Security: the UI (``nianbao serve``) is read-only, tried with every write path an attacker has.

Beyond tests/ui/test_security.py (plain write SQL, stored queries, download switch), this throws
POSTs (form SQL, stored queries, Datasette's write API paths), stacked statements, ``ATTACH`` to
create a file, ``PRAGMA`` writes, ``load_extension`` and ``VACUUM INTO`` at the real command, then
checks every schema object and row of the catalog is unchanged and no file appeared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from catalog.compute import compute_status
from catalog.db import catalog_path, open_catalog
from tests.catalog.sample import build_sample_catalog
from tests.ui.conftest import DIRECT, free_port, get, wait_until_up


@contextmanager
def serve(data: Path, log: Path) -> Iterator[str]:
    """``nianbao serve`` with its output going to a file: Datasette prints a long traceback per
    refused query, and an undrained pipe would block the server after a few of them."""
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", "--data", str(data),
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + "/-/versions.json", proc)
            yield base
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def content_digest(db: Path) -> str:
    """A digest of every schema object and row (page layout and WAL checkpoints aside)."""
    with sqlite3.connect(db) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


def post(url: str, fields: dict[str, str]) -> int:
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with DIRECT.open(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_ui_refuses_every_write_path(tmp_path, reliability_record):
    build_sample_catalog(tmp_path)
    # what `nianbao serve` does before Datasette starts: schema up to date, status computed
    # when none is stored; from then on nothing may change the catalog
    db_handle = open_catalog(tmp_path)
    compute_status(db_handle, as_of=dt.date.today())
    db_handle.close()
    db = catalog_path(tmp_path)
    before = content_digest(db)
    evil = tmp_path / "evil.db"
    sqls = [
        "delete from agencies; select 1",
        "select 1; delete from agencies",
        f"attach database '{evil}' as evil",
        f"vacuum into '{evil}'",
        "pragma writable_schema = 1",
        "pragma journal_mode = delete",
        "select load_extension('/tmp/x')",
        "insert into agencies (agency_id) select 'x'",
        "with x as (select 1) delete from status",
        "replace into agencies (agency_id) values ('a')",
        "create table pwn (x)",
    ]
    answers: dict[str, int | str] = {}
    with serve(tmp_path, tmp_path / "serve.log") as base:
        for sql in sqls:
            code, body = get(base + "/catalog.json?" + urllib.parse.urlencode({"sql": sql}))
            answers[f"GET {sql}"] = code if code >= 400 else body[:120]
            answers[f"POST {sql}"] = post(base + "/catalog", {"sql": sql})
        for path in ("/catalog/agencies/-/insert", "/catalog/-/create", "/catalog/agencies/a/-/delete",
                     "/catalog/agencies/-/drop", "/catalog/missing_reports", "/-/permissions"):
            answers[f"POST {path}"] = post(base + path, {"agency_id": "x", "row": "{}"})
        code, _ = get(base + "/catalog.db")
        answers["GET /catalog.db"] = code
        rows = get(base + "/catalog/agencies.json?_shape=array")[1]
    after = content_digest(db)
    # a GET of write SQL either fails or answers ok:false; every POST fails
    accepted = {k: v for k, v in answers.items()
                if (isinstance(v, int) and v < 400) or (isinstance(v, str) and '"ok": true' in v)}
    assert accepted == {}
    assert after == before
    assert not evil.exists()
    assert '"agency_id": "a"' in rows and '"agency_id": "x"' not in rows
    reliability_record("UI read-only", "write SQL (stacked, ATTACH, VACUUM INTO, PRAGMA, "
                       "load_extension) by GET and POST, Datasette write-API POSTs and a database "
                       "download against `nianbao serve`; catalog content identical afterwards",
                       area="security", attacks_tried=len(answers), accepted=0,
                       catalog_changed=False)
