"""Run the benchmarks and print one table: ``python -m bench [NAME…] [--quick]``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

import bench
from bench.common import Row


def discover() -> list[str]:
    return sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(Path(bench.__file__).parent)])
        if m.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {discover()})")
    parser.add_argument("--quick", action="store_true", help="smaller worlds, for a smoke run")
    args = parser.parse_args(argv)
    names = args.names or discover()
    rows: list[Row] = []
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        rows.extend(module.run(quick=args.quick))
    table = Table(title="nianbao benchmarks")
    for col in ("bench", "metric", "ours", "peer", "ours/peer", "target", "notes"):
        table.add_column(col)
    for r in rows:
        peer = f"{r.peer:.3g} {r.unit} ({r.peer_name})" if r.peer is not None else "-"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        table.add_row(r.bench, r.metric, f"{r.ours:.3g} {r.unit}", peer, ratio, r.target, r.notes)
    Console(width=200).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
