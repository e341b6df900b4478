"""``nianbao sandbox serve|truth|registry``: the bundled world of simulated portals."""

from __future__ import annotations

import sys

import click

SIZE_HELP = "small | medium | large | <N>-agencies"


def _universe(seed: int, size: str):  # type: ignore[no-untyped-def]
    from sandbox.universe import Universe

    try:
        return Universe(seed, size)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--size") from None


@click.group()
def sandbox() -> None:
    """The simulated government portals (a local HTTP proxy) and their ground truth."""


@sandbox.command()
@click.option("--port", default=8899, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address (keep it loopback).")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--size", default="small", show_default=True, help=SIZE_HELP)
@click.option("--latency-ms", default=0.0, show_default=True, type=float, help="Delay added to every answer.")
@click.option("--faults", type=click.Choice(["none", "some", "heavy"]), default="none", show_default=True)
@click.option("--as-of", "as_of", default="2026-06-30", show_default=True,
              help="Server clock (YYYY-MM-DD); move it with POST http://sandbox.test/__clock?date=…")
def serve(port: int, host: str, seed: int, size: str, latency_ms: float, faults: str, as_of: str) -> None:
    """Serve the universe as an HTTP forward proxy (use it as http_proxy)."""
    from sandbox.server import make_server

    try:
        server = make_server(host=host, port=port, seed=seed, size=size, faults=faults,
                             latency_ms=latency_ms, as_of=as_of)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror} (try another --port)") from None
    u = server.state.universe
    click.echo(f"sandbox: {len(u.agencies)} agencies, {len(u.portals)} portals, "
               f"{u.document_count()} documents; proxy on http://{host}:{server.server_address[1]} "
               f"(clock {server.state.as_of}, faults {faults})", err=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@sandbox.command()
@click.option("--as-of", "as_of", default="2026-06-30", show_default=True, help="Evaluate as of YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--size", default="small", show_default=True, help=SIZE_HELP)
@click.option("--faults", type=click.Choice(["none", "some", "heavy"]), default="none", show_default=True)
def truth(as_of: str, fmt: str, seed: int, size: str, faults: str) -> None:
    """Print the ground truth per (agency, year)."""
    from sandbox.faults import build_plan
    from sandbox.server import parse_date
    from sandbox.site import Site
    from sandbox.truth import to_csv, to_json, truth_rows

    try:
        on = parse_date(as_of, "--as-of")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    u = _universe(seed, size)
    rows = truth_rows(u, Site(u), build_plan(u, faults), on)
    sys.stdout.write(to_json(rows) + "\n" if fmt == "json" else to_csv(rows))


@sandbox.command()
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--size", default="small", show_default=True, help=SIZE_HELP)
def registry(seed: int, size: str) -> None:
    """Print the universe's registry CSV (agency_id,name,region_code,level,kind,portal_url,report_url,render)."""
    from sandbox.registry import registry_csv

    sys.stdout.write(registry_csv(_universe(seed, size)))
