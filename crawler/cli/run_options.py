"""The options of commands that run a crawl (`crawl`, `demo`): how loud, how often, which log."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from crawler.cli.common import fail
from crawler.cli.progress import LIVE, StatusDisplay, display_mode
from crawler.jobs.run_log import DEFAULT_KEEP, KeepLogs, KeepLogsError
from crawler.jobs.runner import RunOutput

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Watch:
    """What the person running a crawl asked to see, and what its log keeps."""

    verbose: bool = False
    quiet: bool = False
    progress_every: float = 60.0
    keep_logs: KeepLogs = field(default_factory=lambda: KeepLogs.parse(DEFAULT_KEEP))
    log_level: str = "INFO"


def watch_options(func: F) -> F:
    """Add -v/-q, --progress-every, --log-level, --keep-logs; the command receives ``watch``."""

    @click.option("-v", "--verbose", is_flag=True,
                  help="Stream the crawl's whole log (Scrapy's) to standard error.")
    @click.option("-q", "--quiet", is_flag=True,
                  help="Print only warnings, errors and the summary.")
    @click.option("--progress-every", type=click.FloatRange(min=0.1), default=60.0,
                  show_default=True, metavar="SECONDS",
                  help="Without a terminal (cron, a pipe): a progress line this often.")
    @click.option("--log-level", default="INFO", show_default=True,
                  type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
                  help="Level of the run's log file, DATA_DIR/logs/run-ID-START.log.")
    @click.option("--keep-logs", default=DEFAULT_KEEP, show_default=True, metavar="N|SIZE",
                  help="Keep this many run logs, or this much (500MB); the oldest go first.")
    @functools.wraps(func)
    def wrapper(*args: Any, verbose: bool, quiet: bool, progress_every: float, log_level: str,
                keep_logs: str, **kwargs: Any) -> Any:
        if verbose and quiet:
            fail("give -v/--verbose or -q/--quiet, not both")
        try:
            keep = KeepLogs.parse(keep_logs)
        except KeepLogsError as exc:
            fail(str(exc))
            raise
        watch = Watch(verbose, quiet, progress_every, keep, log_level)
        return func(*args, watch=watch, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextmanager
def watched(watch: Watch, label: str = "crawling") -> Iterator[tuple[StatusDisplay, RunOutput]]:
    """The display a crawl shows while it runs, and the RunOutput that feeds it."""
    mode = display_mode(quiet=watch.quiet, verbose=watch.verbose)
    with StatusDisplay(label, mode, every=watch.progress_every) as display:
        output = RunOutput(
            keep_logs=watch.keep_logs,
            verbose=watch.verbose,
            say=display.say,
            progress=None if watch.quiet or watch.verbose else display.crawl_progress,
            progress_every=0.5 if mode == LIVE else min(watch.progress_every, 1.0),
        )
        yield display, output
