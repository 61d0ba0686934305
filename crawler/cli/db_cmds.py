"""`chinareport query`, `export`, `stats` and `db upgrade`: thin commands over ``pipelines``."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
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
    type=click.Choice(("jsonl", "csv", "parquet")),
    default="jsonl",
    show_default=True,
    help="File format (parquet needs the parquet extra).",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False),
    help="File to write.",
)
@storage_options
def export_command(
    text: str | None, filters: dict[str, Any], fmt: str, output: str, paths: Paths
) -> None:
    """Write every matching article to a jsonl, csv or parquet file."""
    from pipelines.errors import StoreError
    from pipelines.export import export_records
    from pipelines.query import iter_articles, parse_bound

    try:
        parse_bound(filters["since"])
        parse_bound(filters["until"])
        count = export_records(iter_articles(_open(paths), text, **filters), output, fmt)
    except StoreError as exc:
        fail(str(exc))
        return
    click.echo(f"exported {count} articles to {output}", err=True)


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
