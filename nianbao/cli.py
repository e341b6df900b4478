"""The ``nianbao`` command: one thin subcommand per stage.

Subcommands are imported lazily (the pattern from click's documentation), so ``nianbao parse``
does not pay for importing Scrapy and Twisted, and each stage's command lives next to nothing
but its own options.
"""

from __future__ import annotations

import importlib

import click

from nianbao import __version__

# name -> "module:attribute". Add one line here when a stage gains a command.
COMMANDS: dict[str, str] = {
    "sandbox": "nianbao.commands.sandbox:sandbox",
    "index": "nianbao.commands.catalog:index",
    "status": "nianbao.commands.catalog:status",
    "report": "nianbao.commands.catalog:report",
    "export": "nianbao.commands.catalog:export",
    "publish": "nianbao.commands.catalog:publish",
    "demo": "nianbao.commands.demo:demo",
    "serve": "nianbao.commands.serve:serve",
    "archive": "nianbao.commands.archive:archive",
    "parse": "nianbao.commands.parse:parse_command",
    "crawl": "nianbao.commands.crawl:crawl",
    "workflow": "nianbao.commands.workflow:workflow",
    "run-due": "nianbao.commands.schedule:run_due_command",
    "schedule": "nianbao.commands.schedule:schedule",
    "deploy": "nianbao.commands.deploy:deploy",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attr = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """nianbao: crawl, archive, parse and catalog government annual reports
    (政府信息公开工作年度报告), and tell which are on time, late or missing."""


if __name__ == "__main__":  # pragma: no cover
    main()
