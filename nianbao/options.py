"""Options shared by several subcommands, so they read the same everywhere."""

from __future__ import annotations

import os
from pathlib import Path

import click

DEFAULT_DATA_DIR = "data"


def resolve_data_dir(value: str | os.PathLike[str] | None) -> Path:
    """The data directory: the option if given, else ``$NIANBAO_DATA``, else ``./data``."""
    if value:
        return Path(value)
    return Path(os.environ.get("NIANBAO_DATA") or DEFAULT_DATA_DIR)


data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory (default: $NIANBAO_DATA or ./data).",
)
