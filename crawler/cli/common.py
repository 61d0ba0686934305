"""What every subcommand shares: data dir and database options, output formats, errors."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from crawler.jobs.paths import resolve_paths

F = TypeVar("F", bound=Callable[..., Any])

OUTPUT_FORMATS = ("table", "json", "jsonl", "csv")


def exit_status_epilog(nothing: str, *, locked: bool = True) -> str:
    """The exit statuses of a command (``crawler.jobs.exit_status``), for its --help."""
    lines = [
        "\b",
        "Exit status:",
        "  0   finished (ordinary errors such as some 404s are in the summary)",
        "  1   could not start or stopped early (bad input, database unreachable,",
        "      WARC write failure)",
        "  2   usage error",
        f"  3   finished, but {nothing}",
    ]
    if locked:
        lines.append("  75  another crawl holds the lock (EX_TEMPFAIL: skip, not fail)")
    return "\n".join(lines)


CRAWL_EPILOG = exit_status_epilog("no start page could be fetched, or nothing at all")


def storage_options(func: F) -> F:
    """Add ``--data-dir`` and ``--db``; the command receives ``paths: Paths``."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Data folder (default ./data, env CHINAREPORT_DATA_DIR).",
    )
    @click.option(
        "--db",
        default=None,
        help="SQLAlchemy database URL (default sqlite:///DATA_DIR/articles.db, env CHINAREPORT_DB).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, data_dir: str | None, db: str | None, **kwargs: Any) -> Any:
        return func(*args, paths=resolve_paths(data_dir, db), **kwargs)

    return wrapper  # type: ignore[return-value]


def output_option(default: str = "table") -> Callable[[F], F]:
    """Add ``--format table/json/jsonl/csv``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(OUTPUT_FORMATS),
        default=default,
        show_default=True,
        help="Output format.",
    )


def fail(message: str, code: int = 1) -> None:
    """Stop with a one-line error on standard error and a non-zero exit."""
    from crawler.cli.plain_text import one_line

    # An error may quote a value from a page or the command line: one plain line, whatever it holds.
    click.echo(f"chinareport: error: {one_line(message)}", err=True)
    sys.exit(code)


def cell_text(value: Any) -> str:
    """A value as one cell's text: lists joined with 、, images by their src."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(cell_text(v) if not isinstance(v, dict) else str(v.get("src", ""))
                        for v in value)
    return str(value)


def emit_records(
    records: Iterable[dict[str, Any]],
    fmt: str,
    *,
    columns: tuple[str, ...] | None = None,
    out: io.TextIOBase | None = None,
) -> int:
    """Write records in one of OUTPUT_FORMATS; returns how many were written."""
    stream: Any = out or sys.stdout
    rows = list(records) if fmt in ("json", "table", "csv") else records
    count = 0
    if fmt == "jsonl":
        for record in rows:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt == "json":
        stream.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return len(rows)  # type: ignore[arg-type]
    rows = list(rows)
    cols = columns or tuple(dict.fromkeys(k for r in rows for k in r))
    if fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow(cols)
        for record in rows:
            writer.writerow([cell_text(record.get(c)) for c in cols])
        return len(rows)
    from crawler.cli.tables import print_table

    print_table(rows, cols, out=stream)
    return len(rows)
