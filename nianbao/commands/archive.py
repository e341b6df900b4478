"""``nianbao archive``: verify, repair, re-index, package (WACZ), replay and show the WARCs.

Thin: each subcommand parses options and calls one function of :mod:`archive`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nianbao.options import data_option, resolve_data_dir


@click.group("archive")
def archive() -> None:
    """The WARC archive: verify, repair, index, wacz, replay, show."""


@archive.command()
@data_option
def verify(data_dir: Path | None) -> None:
    """Check every record, digest, request/response link and index; exit 1 on any failure."""
    from archive.verify import verify_data_dir

    report = verify_data_dir(resolve_data_dir(data_dir))
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for problem in report.problems:
        click.echo(f"FAIL {problem}")
    click.echo(f"{report.files} file(s), {report.records} record(s), "
               f"{len(report.problems)} problem(s)")
    if not report.ok:
        sys.exit(1)


@archive.command()
@data_option
def repair(data_dir: Path | None) -> None:
    """Close WARCs left open by a crash: cut a torn last record, rename, index."""
    from archive.repair import repair_data_dir

    results = repair_data_dir(resolve_data_dir(data_dir))
    if not results:
        click.echo("nothing to repair")
    for r in results:
        if r.skipped_live:
            click.echo(f"{r.source.name}: in use by a running writer, left alone")
        elif r.path is None:
            click.echo(f"{r.source.name}: no complete record, removed ({r.bytes_dropped} bytes)")
        else:
            click.echo(f"{r.path.name}: kept {r.records_kept} record(s), "
                       f"dropped {r.bytes_dropped} byte(s)")


@archive.command()
@data_option
def index(data_dir: Path | None) -> None:
    """Rebuild the CDXJ index of every WARC and the dedup index."""
    from archive import files
    from archive.cdxj import rebuild_indexes
    from archive.dedup import rebuild

    data = resolve_data_dir(data_dir)
    written = rebuild_indexes(data)
    rebuild(data, files.closed_warcs(data)).close()
    click.echo(f"indexed {len(written)} WARC file(s); dedup index rebuilt")


@archive.command()
@data_option
@click.option("--crawl", "crawl_id", required=True, help="Crawl id (as in the warcinfo records).")
@click.option("--pages", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='JSONL of pages ({"url": ..., "ts": ..., "title": ...}); default: detect HTML pages.')
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .wacz file to write.")
def wacz(data_dir: Path | None, crawl_id: str, pages: Path | None, out: Path) -> None:
    """Package one crawl as a WACZ 1.1.1 file."""
    from archive.wacz import build_wacz

    try:
        path = build_wacz(resolve_data_dir(data_dir), crawl_id, out, pages)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(path))


@archive.command()
@data_option
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
def replay(data_dir: Path | None, port: int, host: str) -> None:
    """Serve the archive with pywb until interrupted."""
    from archive.replay import ReplayServer

    server = ReplayServer(resolve_data_dir(data_dir), port=port, host=host)
    try:
        server.start()
    except (ValueError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"pywb replaying {server.data_dir} at http://{host}:{server.port}/{server.coll}/ "
               "(Ctrl-C to stop)")
    try:
        assert server.proc is not None
        server.proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@archive.command()
@data_option
@click.argument("location")
@click.option("--raw", is_flag=True, help="Write the stored payload bytes to stdout, nothing else.")
def show(data_dir: Path | None, location: str, raw: bool) -> None:
    """Print one record: LOCATION is FILE#OFFSET (FILE a path or a name under <data>/warcs)."""
    from archive import files
    from archive.reader import read_record

    name, sep, offset_text = location.rpartition("#")
    if not sep or not offset_text.isdigit():
        raise click.BadParameter(f"{location!r}: expected FILE#OFFSET", param_hint="LOCATION")
    path = Path(name)
    if not path.exists():
        path = files.warcs_dir(resolve_data_dir(data_dir)) / name
    if not path.exists():
        raise click.ClickException(f"{name}: no such WARC file")
    try:
        rec = read_record(path, int(offset_text))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if raw:
        sys.stdout.buffer.write(rec.payload)
        return
    click.echo(f"# {rec.location} ({rec.length} bytes in file)")
    for k, v in rec.warc_headers:
        click.echo(f"{k}: {v}")
    if rec.http_protocol is not None:
        click.echo("")
        click.echo(f"{rec.http_protocol} {rec.http_statusline}".rstrip())
        for k, v in rec.http_headers:
            click.echo(f"{k}: {v}")
    click.echo("")
    click.echo(_readable(rec))


def _readable(rec) -> str:
    """The payload for a reader: decoded text when it is text, else a one-line summary."""
    try:
        data = rec.decoded_payload()
    except ValueError as exc:
        return f"[payload of {len(rec.payload)} bytes; {exc}]"
    if not data:
        return "[empty payload]"
    if rec.http_protocol is not None:
        ctype = (rec.http_header("Content-Type") or "").lower()
    else:
        ctype = (rec.header("Content-Type") or "").lower()
    textual = (ctype.startswith("text/") or "json" in ctype or "xml" in ctype
               or "javascript" in ctype or "warc-fields" in ctype)
    if not textual:
        return f"[{len(data)} bytes of {ctype or 'unknown type'}; use --raw to get them]"
    charset = "utf-8"
    if "charset=" in ctype:
        charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip('"') or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")
