"""`chinareport query`, `export`, `stats` and `db upgrade`: thin commands over ``pipelines``."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from crawler.cli.common import emit_records, fail, output_option, storage_options
from crawler.jobs.paths import Paths

F = TypeVar("F", bound=Callable[..., Any])

TABLE_COLUMNS = ("id", "published", "title", "authors", "editors", "source", "channel", "url")
FILTER_KEYS = ("author", "editor", "source", "channel", "since", "until", "status")


def filter_options(func: F) -> F:
    """Add the shared filters; the command receives them as ``filters: dict``."""

    @click.option("--author", help="Articles by this author (exact name).")
    @click.option("--editor", help="Articles edited by this editor (exact name).")
    @click.option("--source", help="Articles from this source (来源).")
    @click.option("--channel", help="Articles in this channel (栏目).")
    @click.option(
        "--since", metavar="DATE", help="Published on or after DATE (YYYY-MM-DD, Beijing time)."
    )
    @click.option("--until", metavar="DATE", help="Published on or before DATE (inclusive).")
    @click.option(
        "--status",
        type=click.Choice(("ok", "partial", "not_article")),
        help="Only this parse status (default: ok and partial).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        filters = {key: kwargs.pop(key) for key in FILTER_KEYS}
        return func(*args, filters=filters, **kwargs)

    return wrapper  # type: ignore[return-value]


def _open(paths: Paths) -> Any:
    from pipelines.db import open_engine

    return open_engine(paths.db_url)


@click.command("query")
@click.argument("text", required=False)
@filter_options
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@output_option()
@storage_options
def query_command(
    text: str | None, filters: dict[str, Any], limit: int, offset: int, fmt: str, paths: Paths
) -> None:
    """Find articles by Chinese keyword (two characters or more) and filters."""
    from pipelines.errors import StoreError
    from pipelines.query import search_articles

    try:
        records = search_articles(_open(paths), text, limit=limit, offset=offset, **filters)
    except StoreError as exc:
        fail(str(exc))
        return
    if fmt == "table":
        from crawler.cli.tables import ARTICLE_COLUMNS, print_table

        print_table(records, ARTICLE_COLUMNS)
        return
    emit_records(records, fmt, columns=TABLE_COLUMNS if fmt == "csv" else None)


@click.command("export")
@click.argument("text", required=False)
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("jsonl", "csv", "parquet", "wacz")),
    default="jsonl",
    show_default=True,
    help="File format (parquet needs the parquet extra; wacz: the articles' archived pages).",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False),
    help="File to write.",
)
@click.option("--title", help="WACZ: the collection's title (default: what was selected).")
@click.option("--description", help="WACZ: the collection's description.")
@click.option("--force", is_flag=True, help="WACZ: replace an existing file.")
@storage_options
def export_command(
    text: str | None,
    filters: dict[str, Any],
    fmt: str,
    output: str,
    title: str | None,
    description: str | None,
    force: bool,
    paths: Paths,
) -> None:
    """Write every matching article to a jsonl, csv, parquet or WACZ file.

    A WACZ (web archive collection, for ReplayWeb.page or pywb) holds without filters every
    WARC file of the data folder; with filters, the archived records of the matching articles.
    """
    from pipelines.errors import StoreError
    from pipelines.export import export_records
    from pipelines.query import iter_articles, parse_bound

    if fmt != "wacz":
        for name, value in (("--title", title), ("--description", description), ("--force", force)):
            if value:
                fail(f"{name} is for --format wacz")
    try:
        parse_bound(filters["since"])
        parse_bound(filters["until"])
        if fmt == "wacz":
            _export_wacz(text, filters, Path(output), title, description, force, paths)
            return
        count = export_records(iter_articles(_open(paths), text, **filters), output, fmt)
    except StoreError as exc:
        fail(str(exc))
        return
    click.echo(f"exported {count} articles to {output}", err=True)


def _files(count: int) -> str:
    return f"{count} file" + ("s" if count != 1 else "")


def _export_wacz(
    text: str | None,
    filters: dict[str, Any],
    output: Path,
    title: str | None,
    description: str | None,
    force: bool,
    paths: Paths,
) -> None:
    from crawler.jobs.wacz_export import WaczExportError, export_wacz, selection_label

    if not output.parent.is_dir():
        fail(f"cannot write {output}: no folder {output.parent}")
    if output.exists() and not force:
        fail(f"{output} exists: use --force to replace it")
    if not paths.warc_dir.is_dir():
        fail(f"no WARC folder at {paths.warc_dir}")
    try:
        report = export_wacz(
            _open(paths),
            paths.warc_dir,
            output,
            text=text,
            filters=filters,
            title=title,
            description=description,
        )
    except WaczExportError as exc:
        fail(str(exc))
        return
    if not report.articles:
        fail(f"no article matches {selection_label(text, filters) or 'in ' + paths.db_url}")
    if report.whole_files:
        click.echo(f"WARC files:   {report.whole_files}, whole", err=True)
    if report.damaged_files:
        click.echo(
            f"WARC records: {report.records:,}, copied one by one from "
            f"{_files(report.source_files)} not whole",
            err=True,
        )
    elif report.records:
        click.echo(
            f"WARC records: {report.records:,}, copied from {_files(report.source_files)} "
            f"(pages 2..n: {len(report.other_pages)}, images: {len(report.images)}, "
            f"revisits: {report.revisits})",
            err=True,
        )
    click.echo(
        f"exported {report.listed} articles to {output} ({report.wacz_bytes:,} bytes)", err=True
    )
    if report.listed < report.articles:
        click.echo(
            f"chinareport: warning: {report.articles - report.listed} of the "
            f"{report.articles} matching articles have no exported capture and are not in "
            "the pages list",
            err=True,
        )
    for where in report.damaged_files:
        click.echo(
            f"chinareport: error: {where}: damaged or truncated record; the file's records "
            "that the database knows were copied one by one",
            err=True,
        )
    for problem in report.problems:
        click.echo(f"chinareport: error: {problem}", err=True)
    if report.problems or report.damaged_files:
        fail(f"the records named above could not be exported; everything else is in {output}")


@click.command("stats")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "prometheus")),
    default="text",
    show_default=True,
    help="prometheus: the text exposition format, for node_exporter's textfile collector.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="With --format prometheus: write FILE instead of printing, replaced atomically "
    "(a temporary file beside it, renamed).",
)
@storage_options
def stats_command(fmt: str, output: str | None, paths: Paths) -> None:
    """Counts: articles by channel and source, crawl runs, fetch errors."""
    from pipelines.errors import StoreError
    from pipelines.query import stats

    if output and fmt != "prometheus":
        raise click.UsageError("--output goes with --format prometheus")
    try:
        result = stats(_open(paths))
        if fmt == "prometheus":
            _prometheus(result, output)
            return
    except StoreError as exc:
        fail(str(exc))
        return
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    from crawler.cli.stats_view import print_stats

    print_stats(result, paths)


def _prometheus(result: dict[str, Any], output: str | None) -> None:
    from pipelines.metrics import prometheus_text, write_prometheus_file

    if output:
        write_prometheus_file(result, output)
    else:
        click.echo(prometheus_text(result), nl=False)


@click.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("upgrade")
@storage_options
def upgrade_command(paths: Paths) -> None:
    """Bring the database schema to the newest revision."""
    from pipelines.db import open_engine, upgrade_database
    from pipelines.errors import StoreError

    try:
        before, after = upgrade_database(open_engine(paths.db_url, upgrade=False))
    except StoreError as exc:
        fail(str(exc))
        return
    if before == after:
        click.echo(f"database schema is current ({after})")
    else:
        click.echo(f"database schema upgraded from {before or 'empty'} to {after}")


commands = [query_command, export_command, stats_command, db_group]
