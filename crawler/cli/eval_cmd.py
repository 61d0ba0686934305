"""``chinareport eval DIR``: score the parser on a folder of labelled pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from crawler.cli.common import fail, storage_options
from crawler.jobs.paths import Paths
from crawler.parser.evaluate import FIELDS, Report, evaluate_dir


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 90 else text[:87] + "..."


def _print_report(report: Report, show: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False)
    table = Table(title=f"parser accuracy on {report.pages} pages")
    table.add_column("field")
    table.add_column("correct", justify="right")
    table.add_column("accuracy", justify="right")
    for name in FIELDS:
        table.add_row(name, f"{report.correct[name]}/{report.pages}", f"{report.accuracy(name):.1%}")
    console.print(table)
    if show:
        for miss in report.misses:
            console.print(f"[bold]{miss.page}[/bold] {miss.field}", highlight=False)
            console.print(f"    expected: {_short(miss.expected)}", highlight=False, markup=False)
            console.print(f"    found:    {_short(miss.found)}", highlight=False, markup=False)
    elif report.misses:
        console.print(f"{len(report.misses)} misses (--show lists them)")


@click.command("eval")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--show", is_flag=True, help="List every miss: page, field, expected, found.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--floors",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="JSON file of per-field floors; exit 1 when any field is below its floor.",
)
@storage_options
def command(paths: Paths, directory: str, show: bool, as_json: bool, floors: str | None) -> None:
    """Score the parser on DIR (NNN.html + NNN.json pages); print per-field accuracy."""
    del paths  # eval reads no stored data; the options are accepted like every command
    folder = Path(directory)
    if not folder.is_dir():
        fail(f"no such folder: {directory}")
    report = evaluate_dir(folder)
    if report.pages == 0:
        fail(f"no labelled pages (NNN.html + NNN.json) in {directory}")
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report, show)
    if floors:
        wanted = json.loads(Path(floors).read_text("utf-8")).get("floors", {})
        below = [
            f"{name} {report.accuracy(name):.1%} < {floor:.1%}"
            for name, floor in wanted.items()
            if name in FIELDS and report.accuracy(name) < floor
        ]
        if below:
            fail("below floor: " + ", ".join(below))
