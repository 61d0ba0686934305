"""Run a crawl in this process and summarise it: the engine behind `crawl` and `demo`."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.downloadermiddlewares.start_pages import nothing_fetched
from crawler.jobs import exit_status
from crawler.jobs.console_log import remove_console_log
from crawler.jobs.paths import Paths

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

    @property
    def pages(self) -> int:
        return int(self.stats.get("downloader/response_count", 0))

    def articles(self, outcome: str) -> int:
        return int(self.stats.get(f"chinareport/articles/{outcome}", 0))

    @property
    def errors(self) -> dict[str, int]:
        """Failures by kind: download errors and HTTP error statuses."""
        kinds: dict[str, int] = {}
        for key, value in self.stats.items():
            if key.startswith("chinareport/errors/"):
                kinds[key.rsplit("/", 1)[1]] = int(value)
            elif key.startswith("downloader/response_status_count/"):
                status = key.rsplit("/", 1)[1]
                if status[:1] in {"4", "5"}:
                    kinds[f"http_{status}"] = int(value)
        return kinds

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


def run_crawl(start_urls: list[str], paths: Paths, *, overrides: dict[str, Any] | None = None,
              log_level: str = "INFO", arguments: dict[str, Any] | None = None) -> CrawlSummary:
    """Crawl from ``start_urls`` (or the default start pages) into ``paths``; blocks until done.

    Without a JOBDIR (and without Redis) the frontier still lives on disk, in a temporary
    job dir removed afterwards, so memory does not grow with the crawl. Call it holding the
    crawl lock, with crashed runs repaired (``take_lock``, ``repair``), as the commands do.
    """
    from crawler.jobs.runs import run_identity

    settings = crawl_settings(paths, overrides)
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    settings.set("CHINAREPORT_LOCK_HELD", True, priority="cmdline")
    settings.set("CHINAREPORT_RUN_ARGUMENTS", {
        **(arguments or {}),
        "start_urls": start_urls,
        "overrides": {k: str(v) for k, v in (overrides or {}).items()},
        **run_identity(),
    }, priority="cmdline")
    temporary: Path | None = None
    if not settings.get("JOBDIR") and not settings.get("CHINAREPORT_REDIS_PREFIX"):
        temporary = Path(tempfile.mkdtemp(prefix="chinareport-job-"))
        settings.set("JOBDIR", str(temporary), priority="cmdline")
    try:
        return _run(settings, start_urls, paths)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def _run(settings: Settings, start_urls: list[str], paths: Paths) -> CrawlSummary:
    paths.warc_dir.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in paths.warc_dir.glob("*.warc.gz")}
    remove_console_log()
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
    return "\n".join(lines)
