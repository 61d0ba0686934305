"""Tables a person reads: one row a line at 80 columns, text from pages shown as plain text.

A column may ask for a wider terminal (``from_width``): at 80 columns `query` shows the id,
the time to the minute, the title with the room that is left, the authors and the channel;
wider terminals add the source, the editors and then the URL. Cells are rich ``Text`` built by
``plain_text.cell``, so nothing in the data is read as markup or reaches the terminal as a
control character.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Literal

from rich import box
from rich.console import Console
from rich.table import Table

from crawler.cli.common import cell_text
from crawler.cli.plain_text import cell, one_line


def minutes(value: Any) -> str:
    """An ISO time as ``2024-06-27 11:49`` (its own offset's wall time); a bare date as it is."""
    text = cell_text(value)
    if len(text) <= 10:
        return text
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


@dataclass(frozen=True)
class Column:
    """One column: which key, its header, and how it is shown."""

    key: str
    header: str = ""
    from_width: int = 0  # shown only where the output is at least this wide
    max_width: int | None = None
    justify: Literal["left", "right"] = "left"
    grow: bool = False  # takes the room the others leave
    show: Callable[[Any], str] = cell_text


ARTICLE_COLUMNS = (
    Column("id", justify="right"),
    Column("published", show=minutes),
    Column("title", grow=True),
    Column("authors", from_width=80, max_width=12),
    Column("channel", from_width=90, max_width=8),
    Column("source", from_width=100, max_width=14),
    Column("editors", from_width=120, max_width=12),
    Column("url", from_width=150, max_width=80),
)


def output_console(out: IO[str] | None = None, width: int | None = None) -> Console:
    """A console on ``out`` (standard output by default) that prints data, never markup.

    Its width is the terminal's, else $COLUMNS, else 80 (a pipe, cron mail).
    """
    return Console(file=out, width=width, soft_wrap=False, highlight=False, markup=False,
                   emoji=False)


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[Column | str], *,
                out: IO[str] | None = None, title: str | None = None,
                width: int | None = None) -> None:
    """Print ``rows`` as a table, each row on one line, long cells cut with an ellipsis."""
    console = output_console(out, width)
    shown = [c if isinstance(c, Column) else Column(c) for c in columns]
    shown = [c for c in shown if console.width >= c.from_width]
    grows = any(c.grow for c in shown)
    if title:
        console.print(one_line(title), overflow="ignore", crop=False)
    # Columns apart by two spaces: one of padding and the box's blank vertical line.
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=grows,
                  padding=(0, 1, 0, 0), header_style="bold")
    for column in shown:
        table.add_column(column.header or column.key, justify=column.justify, no_wrap=True,
                         overflow="ellipsis", max_width=column.max_width,
                         ratio=1 if column.grow else None, min_width=12 if column.grow else None)
    for row in rows:
        table.add_row(*(cell(column.show(row.get(column.key))) for column in shown))
    console.print(table)


def print_line(text: str, out: IO[str] | None = None) -> None:
    """One line of text that may quote data, printed as plain text."""
    output_console(out).print(one_line(text), overflow="ignore", crop=False)
