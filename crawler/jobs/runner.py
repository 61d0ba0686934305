"""Run a crawl in this process and summarise it: the engine behind `crawl` and `demo`."""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.downloadermiddlewares.start_pages import nothing_fetched
from crawler.extensions.progress import CrawlProgress, errors_by_kind
from crawler.jobs import exit_status
from crawler.jobs.console_lines import ConsoleLines
from crawler.jobs.console_log import remove_console_log
from crawler.jobs.paths import Paths
from crawler.jobs.run_log import DEFAULT_KEEP, KeepLogs, log_file_name, open_run_log, prune_logs

logger = logging.getLogger(__name__)


def crawl_settings(paths: Paths, overrides: dict[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings pointed at ``paths``, with ``overrides`` on top."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("CHINAREPORT_DATA_DIR", str(paths.data_dir), priority="cmdline")
    settings.set("CHINAREPORT_DB", paths.db_url, priority="cmdline")
    settings.set("WARC_DIR", str(paths.warc_dir), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


@dataclass
class CrawlSummary:
    """What one crawl did, for the user and for tests."""

    stats: dict[str, Any]
    elapsed: float
    warc_files: list[Path] = field(default_factory=list)
    run_id: int | None = None
    log_file: Path | None = None

    @property
    def pages(self) -> int:
        return int(self.stats.get("downloader/response_count", 0))

    def articles(self, outcome: str) -> int:
        return int(self.stats.get(f"chinareport/articles/{outcome}", 0))

    @property
    def errors(self) -> dict[str, int]:
        """Failures by kind: download errors and HTTP error statuses."""
        return errors_by_kind(self.stats)

    @property
    def skipped(self) -> int:
        """Links an incremental crawl did not fetch again."""
        return sum(int(v) for k, v in self.stats.items()
                   if k.startswith("chinareport/incremental/skipped/"))

    @property
    def warc_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.warc_files if p.exists())

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "unknown"))

    @property
    def failure(self) -> str | None:
        """Why the crawl could not do its job (storage or archive failure), if it could not."""
        for key in ("chinareport/store_error", "chinareport/warc_error"):
            if self.stats.get(key):
                return str(self.stats[key])
        if self.finish_reason in {"store_error", "warc_write_error"}:
            return self.finish_reason.replace("_", " ")
        return None

    @property
    def nothing_fetched(self) -> str | None:
        """Why the crawl fetched nothing (no start page, or no page at all), if it did not."""
        return nothing_fetched(self.stats, self.finish_reason)

    @property
    def exit_status(self) -> int:
        """1 if it failed, 3 if it fetched nothing, else 0 (see ``crawler.jobs.exit_status``)."""
        if self.failure:
            return exit_status.FAILED
        return exit_status.NOTHING_FETCHED if self.nothing_fetched else exit_status.OK


@dataclass(frozen=True)
class RunOutput:
    """Where a run reports besides its log file: the console and a progress display."""

    keep_logs: KeepLogs = field(default_factory=lambda: KeepLogs.parse(DEFAULT_KEEP))
    verbose: bool = False  # stream the whole log to standard error as well
    say: Callable[[str], None] | None = None  # the warnings a person should see, one line each
    progress: Callable[[CrawlProgress], None] | None = None
    progress_every: float = 60.0


def run_crawl(start_urls: list[str], paths: Paths, *, overrides: dict[str, Any] | None = None,
              log_level: str = "INFO", arguments: dict[str, Any] | None = None,
              output: RunOutput | None = None) -> CrawlSummary:
    """Crawl from ``start_urls`` (or the default start pages) into ``paths``; blocks until done.

    The run's row is opened first, so that its log file (DATA_DIR/logs/run-ID-START.log, at
    ``log_level``) holds Scrapy's whole log from the first line; ``output`` says what else
    sees it. Without a JOBDIR (and without Redis) the frontier still lives on disk, in a
    temporary job dir removed afterwards, so memory does not grow with the crawl. Call it
    holding the crawl lock, with crashed runs repaired (``take_lock``, ``repair``), as the
    commands do. Raises StoreError when the run cannot be recorded.
    """
    from crawler.jobs.runs import run_identity

    output = output or RunOutput()
    settings = crawl_settings(paths, overrides)
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    settings.set("CHINAREPORT_LOCK_HELD", True, priority="cmdline")
    run_arguments = {
        **(arguments or {}),
        "start_urls": start_urls,
        "overrides": {k: str(v) for k, v in (overrides or {}).items()},
        **run_identity(),
    }
    settings.set("CHINAREPORT_RUN_ARGUMENTS", run_arguments, priority="cmdline")
    run_id, started = open_run(paths, run_arguments)
    settings.set("CHINAREPORT_RUN_ID", run_id, priority="cmdline")
    log_file = paths.log_dir / log_file_name(run_id, started)
    if output.progress is not None:
        # A plain function: Scrapy deep-copies its settings, and with them a bound method's object.
        watcher = output.progress
        settings.set("CHINAREPORT_PROGRESS", lambda progress: watcher(progress),
                     priority="cmdline")
        settings.set("CHINAREPORT_PROGRESS_INTERVAL", output.progress_every, priority="cmdline")
    temporary: Path | None = None
    if not settings.get("JOBDIR") and not settings.get("CHINAREPORT_REDIS_PREFIX"):
        temporary = Path(tempfile.mkdtemp(prefix="chinareport-job-"))
        settings.set("JOBDIR", str(temporary), priority="cmdline")
    try:
        with run_logging(settings, log_file, log_level, output):
            prune_logs(paths.log_dir, output.keep_logs, current=log_file)
            summary = _run(settings, start_urls, paths)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    summary.run_id, summary.log_file = run_id, log_file
    return summary


def open_run(paths: Paths, arguments: dict[str, Any]) -> tuple[int, datetime]:
    """Record the start of a run; its id and start time (which name its log file)."""
    from pipelines.db import open_engine
    from pipelines.store import ArticleStore

    started = datetime.now(UTC).replace(microsecond=0)
    engine = open_engine(paths.db_url)
    try:
        return ArticleStore(engine).start_run(arguments, started=started), started
    finally:
        engine.dispose()


@contextmanager
def run_logging(settings: Settings, log_file: Path, log_level: str,
                output: RunOutput) -> Iterator[None]:
    """Scrapy's log into ``log_file`` (and standard error with ``verbose``); lines for a person."""
    remove_console_log()
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    handlers = [open_run_log(log_file, log_level, settings)]
    if output.verbose:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(log_level)
        stream.setFormatter(handlers[0].formatter)
        handlers.append(stream)
    elif output.say is not None:
        handlers.append(ConsoleLines(output.say, log_file))
    root = logging.getLogger()
    level = root.level
    root.setLevel(min(logging.getLevelName(log_level), logging.WARNING))
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)


def _run(settings: Settings, start_urls: list[str], paths: Paths) -> CrawlSummary:
    paths.warc_dir.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in paths.warc_dir.glob("*.warc.gz")}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("chinareport")
    started = time.monotonic()
    process.crawl(crawler, start_urls=start_urls or None)
    process.start()
    elapsed = time.monotonic() - started
    stats = crawler.stats.get_stats() if crawler.stats else {}
    new_files = sorted(p for p in paths.warc_dir.glob("*.warc.gz") if p.name not in before)
    return CrawlSummary(stats=dict(stats), elapsed=elapsed, warc_files=new_files)


def format_summary(summary: CrawlSummary, paths: Paths) -> str:
    """The lines printed after a crawl."""
    errors = summary.errors
    error_text = ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "none"
    lines = [
        f"pages fetched:     {summary.pages}",
        (f"articles stored:   {summary.articles('new')} new, "
         f"{summary.articles('changed')} updated, {summary.articles('unchanged')} unchanged"),
        f"errors:            {sum(errors.values())} ({error_text})",
        f"not fetched again: {summary.skipped} (stored articles, earlier redirects and 404s)",
        f"WARC files:        {len(summary.warc_files)} ({summary.warc_bytes:,} bytes)",
        f"elapsed:           {summary.elapsed:.1f} s (finish reason: {summary.finish_reason})",
        f"database:          {paths.db_url}",
        f"WARC folder:       {paths.warc_dir}",
    ]
    if summary.log_file is not None:
        lines.append(f"log file:          {summary.log_file}")
    return "\n".join(lines)
