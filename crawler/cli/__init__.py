"""The `chinareport` command line: a thin layer over the library packages."""

from __future__ import annotations

import importlib

import click

from crawler import __version__
from crawler.jobs.console_log import install_console_log

# Subcommands live in their own modules: (module, attribute holding a command or a list).
_COMMANDS = (
    ("crawler.cli.crawl_cmds", "crawl_command"),
    ("crawler.cli.crawl_cmds", "demo_command"),
    ("crawler.cli.parse_cmd", "parse_command"),
    ("crawler.cli.show_cmd", "show_command"),
    ("crawler.cli.db_cmds", "commands"),
    ("crawler.cli.index_cmd", "command"),
    ("crawler.cli.eval_cmd", "command"),
    ("crawler.cli.reparse_cmd", "command"),
    ("crawler.cli.schedule_cmd", "command"),
    ("crawler.cli.serve_cmd", "command"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chinareport")
def main() -> None:
    """Crawl chinareport-style Chinese news sites into SQL and WARC archives."""
    install_console_log()


def _register() -> None:
    for module_name, attribute in _COMMANDS:
        found = getattr(importlib.import_module(module_name), attribute)
        for command in found if isinstance(found, list) else [found]:
            main.add_command(command)


_register()
