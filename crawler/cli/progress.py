"""What a person sees while a crawl or a re-parse runs.

On a terminal, one live rich Progress line (a spinner for the crawl, a bar for the re-parse)
with warnings printed above it. Elsewhere (cron, systemd, CI, a pipe) no animation: a plain
progress line every ``every`` seconds. Quiet: neither. Everything goes to standard error;
the summary that follows goes to standard output.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text

from crawler.cli.plain_text import one_line
from crawler.extensions.progress import CrawlProgress

LIVE, PLAIN, QUIET = "live", "plain", "quiet"


def display_mode(*, quiet: bool, verbose: bool, console: Console | None = None) -> str:
    """Live on a terminal; plain lines elsewhere; nothing when quiet or streaming the log."""
    if quiet or verbose:
        return QUIET
    console = console or Console(stderr=True)
    return LIVE if console.is_terminal and not console.is_dumb_terminal else PLAIN


def clock(seconds: float) -> str:
    """Elapsed time as ``0:01:05``."""
    return str(timedelta(seconds=int(seconds)))


def plural(count: int, noun: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def rate(progress: CrawlProgress) -> str:
    """Pages a second: ``2.5/s``, ``20/s``."""
    return f"{progress.rate:.1f}/s" if progress.rate < 10 else f"{progress.rate:,.0f}/s"


def crawl_text(progress: CrawlProgress) -> str:
    """A crawl's progress as one line of about 80 characters (the summary has the rest)."""
    articles = progress.articles
    parts = [
        f"{progress.pages:,} pages, {rate(progress)}",
        f"{articles.get('new', 0):,} new, {articles.get('changed', 0):,} updated",
        plural(sum(progress.errors.values()), "error"),
    ]
    if progress.waiting is not None:
        parts.append(f"{progress.waiting:,} waiting")
    return "; ".join(parts)


def crawl_block(progress: CrawlProgress) -> str:
    """A crawl's progress for the live display: pages, articles, errors by kind on three lines."""
    articles = progress.articles
    waiting = f", {progress.waiting:,} waiting" if progress.waiting is not None else ""
    kinds = sorted(progress.errors.items(), key=lambda kv: (-kv[1], kv[0]))
    by_kind = f" ({', '.join(f'{k} {v}' for k, v in kinds)})" if kinds else ""
    return "\n".join([
        f"{progress.pages:,} pages, {rate(progress)}{waiting}",
        (f"articles: {articles.get('new', 0):,} new, {articles.get('changed', 0):,} updated, "
         f"{articles.get('unchanged', 0):,} unchanged"),
        f"errors: {sum(progress.errors.values()):,}{by_kind}",
    ])


class StatusDisplay:
    """One live progress line on a terminal, or a plain line now and then, or nothing."""

    def __init__(self, label: str, mode: str, *, every: float = 60.0, bar: bool = False,
                 console: Console | None = None) -> None:
        self.label = label
        self.mode = mode
        self.every = every
        self.console = console or Console(stderr=True, highlight=False)
        self.started = time.monotonic()
        self.next_line = self.started + every
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        if mode == LIVE:
            self.progress = Progress(*self._columns(bar), console=self.console, transient=True,
                                     expand=True)

    def _columns(self, bar: bool) -> list[str | ProgressColumn]:
        # The label and the time keep their width; the counts are cut at the terminal's edge.
        columns: list[str | ProgressColumn] = [
            TextColumn(self.label, markup=False,
                       table_column=Column(no_wrap=True, min_width=len(self.label))),
        ]
        if bar:
            columns += [BarColumn(bar_width=20), DownloadColumn()]
        else:
            columns.insert(0, SpinnerColumn())
        columns.append(TextColumn("{task.description}", markup=False, table_column=Column(
            no_wrap=True, overflow="ellipsis", ratio=1)))
        columns.append(TimeRemainingColumn() if bar else TimeElapsedColumn())
        return columns

    def __enter__(self) -> Self:
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task("starting", total=None)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, text: str, *, completed: float | None = None, total: float | None = None,
               plain: str | None = None) -> None:
        """Show ``text`` live; on a plain display, print ``plain`` (or ``text``) when it is due."""
        if self.progress is not None and self.task is not None:
            lines = "\n".join(one_line(line) for line in text.splitlines())
            self.progress.update(self.task, description=lines, completed=completed, total=total)
            return
        now = time.monotonic()
        if self.mode == PLAIN and now >= self.next_line:
            while self.next_line <= now:  # every N seconds from the start, none to catch up
                self.next_line += self.every
            self.say(f"{self.label} {clock(now - self.started)}: {plain or text}")

    def say(self, line: str) -> None:
        """A line for the person: above the live display, or on standard error."""
        if self.progress is not None:
            self.progress.console.print(Text(one_line(line)), soft_wrap=True)
        else:
            print(one_line(line), file=sys.stderr, flush=True)

    def crawl_progress(self, progress: CrawlProgress) -> None:
        """Show a crawl's progress (the run's progress callback)."""
        if not progress.finished:
            self.update(crawl_block(progress), plain=crawl_text(progress))
