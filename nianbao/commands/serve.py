"""``nianbao serve``: the watchdog UI — Datasette on the catalog, optionally with pywb replay.

Read-only by construction: Datasette runs no write SQL, the catalog is opened read-only (an
immutable copy with ``--public``), downloads of the database file are off unless ``--public``,
robots.txt tells crawlers to stay out, and it binds to localhost unless ``--host`` says
otherwise. The only writes are serve's own, before Datasette starts: the schema migrations and
a status computed when the last index dropped it.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import click
import sqlite_utils
import yaml

from nianbao.options import data_option, resolve_data_dir


def datasette_command(
    catalog: Path,
    *,
    host: str,
    port: int,
    public: bool,
    replay_url: str | None,
    workdir: Path,
) -> list[str]:
    """The ``datasette serve`` command line for a catalog (used by the CLI and the tests)."""
    from catalog.ui import METADATA_FILE, PLUGINS_DIR, TEMPLATES_DIR

    metadata = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))
    metadata.setdefault("plugins", {})["nianbao"] = {"replay_url": replay_url or ""}
    meta_path = workdir / "metadata.yaml"
    meta_path.write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
    if public:
        copy = workdir / "catalog.db"
        snapshot(catalog, copy)
        db_args = ["-i", str(copy)]
    else:
        db_args = [str(catalog)]
    return [
        sys.executable, "-m", "datasette", "serve", *db_args,
        "--host", host, "--port", str(port),
        "--metadata", str(meta_path),
        "--template-dir", str(TEMPLATES_DIR),
        "--plugins-dir", str(PLUGINS_DIR),
        "--setting", "allow_download", "on" if public else "off",
        "--setting", "default_page_size", "100",
        "--setting", "sql_time_limit_ms", "3000",
        "--setting", "suggest_facets", "off",  # costly on a national catalog
        # a facet counts the whole filtered table: ~0.1 s per facet over the 1.1M status rows
        # of a national catalog; past 0.2 s Datasette shows the page and says which facets
        # timed out, rather than keep a watchdog waiting (issue 7: pages under 0.5 s)
        "--setting", "facet_time_limit_ms", "200",
    ]


def snapshot(catalog: Path, copy: Path) -> None:
    """A consistent copy of the catalog through SQLite's backup API. Copying the file alone
    would lose whatever still sits in its write-ahead log (``catalog.db-wal``) while the
    indexer or another reader has it open."""
    import sqlite3

    source = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


@click.command("serve")
@data_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind; anything but localhost exposes the UI on the network.")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--public", is_flag=True,
              help="Serve an immutable copy and allow downloading the database file.")
@click.option("--replay", is_flag=True, help="Also start pywb so evidence links replay.")
@click.option("--replay-port", default=0, type=int, help="pywb port (default: a free one).")
def serve(data_dir, host: str, port: int, public: bool, replay: bool, replay_port: int) -> None:
    """Browse, search and export the catalog in Datasette (read-only)."""
    from catalog.db import catalog_path, open_catalog

    data = resolve_data_dir(data_dir)
    catalog = catalog_path(data)
    if not catalog.exists():
        raise click.ClickException(f"{catalog}: no catalog yet; run `nianbao index`")
    db = open_catalog(data)  # brings the schema up to date before serving read-only
    try:
        _ensure_status(db)
    finally:
        db.close()
    # SIGTERM (``kill PID``, a service manager) must stop the children too: Python's default
    # would end this process on the spot and leave Datasette and pywb holding their ports.
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    replay_server = None
    try:
        replay_url = None
        if replay:
            from archive.replay import ReplayServer

            replay_server = ReplayServer(data, port=replay_port)
            replay_server.start()
            replay_url = f"http://127.0.0.1:{replay_server.port}/{replay_server.coll}"
            click.echo(f"pywb replay on {replay_url}/")
        with tempfile.TemporaryDirectory(prefix="nianbao-serve-") as tmp:
            cmd = datasette_command(catalog, host=host, port=port, public=public,
                                    replay_url=replay_url, workdir=Path(tmp))
            click.echo(f"Datasette on http://{host}:{port}/ (coverage grid: /-/coverage)")
            datasette = subprocess.Popen(cmd)
            try:
                datasette.wait()
            finally:
                _stop(datasette)  # before its working directory goes
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if replay_server is not None:
            replay_server.stop()


def _ensure_status(db: sqlite_utils.Database) -> None:
    """A catalog indexed since status was last computed has none (the indexer drops it as
    stale), and the read-only UI cannot compute it: do it now, as of today, as ``nianbao
    status`` would, rather than show empty status pages and coverage grid."""
    from catalog.compute import compute_status

    if db.execute("select 1 from status limit 1").fetchone() or not db.table("agencies").count:
        return
    today = dt.date.today()
    click.echo(f"computing status as of {today} (none stored since the last index)…")
    compute_status(db, as_of=today)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate a child politely, then for good."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
