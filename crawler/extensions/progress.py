"""Live counts of a running crawl for whoever watches it, handed over every few seconds.

Like Scrapy's LogStats, a looping call reads the crawl's stats; instead of a log line it
builds a ``CrawlProgress`` and calls ``CHINAREPORT_PROGRESS`` (a callable, or its import
path) with it every ``CHINAREPORT_PROGRESS_INTERVAL`` seconds, and once more at the end.
Without that setting the extension is off (``scrapy crawl``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.misc import load_object

from crawler.extensions.session import CrawlSession


def errors_by_kind(stats: Mapping[str, Any]) -> dict[str, int]:
    """Failures by kind: download errors and HTTP error statuses (``timeout``, ``http_404``)."""
    kinds: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("chinareport/errors/"):
            kinds[key.rsplit("/", 1)[1]] = int(value)
        elif key.startswith("downloader/response_status_count/"):
            status = key.rsplit("/", 1)[1]
            if status[:1] in {"4", "5"}:
                kinds[f"http_{status}"] = int(value)
    return kinds


@dataclass(frozen=True)
class CrawlProgress:
    """How far a crawl has got."""

    elapsed: float
    pages: int
    articles: dict[str, int] = field(default_factory=dict)  # new, changed, unchanged
    errors: dict[str, int] = field(default_factory=dict)
    waiting: int | None = None  # requests in the frontier, when the scheduler can tell
    finished: bool = False

    @property
    def rate(self) -> float:
        """Pages a second since the start."""
        return self.pages / self.elapsed if self.elapsed > 0 else 0.0


class ProgressReport:
    """Call ``callback`` with the crawl's progress every ``interval`` seconds and at the end."""

    def __init__(self, crawler: Crawler, callback: Callable[[CrawlProgress], None],
                 interval: float) -> None:
        self.crawler = crawler
        self.callback = callback
        self.interval = interval
        self.started = time.monotonic()
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReport:
        callback = crawler.settings.get("CHINAREPORT_PROGRESS")
        if not callback:
            raise NotConfigured  # nobody watches (a message would be a warning in the log)
        if isinstance(callback, str):
            callback = load_object(callback)
        interval = crawler.settings.getfloat("CHINAREPORT_PROGRESS_INTERVAL", 1.0)
        report = cls(crawler, callback, interval)
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.report)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.report(finished=True)

    def report(self, finished: bool = False) -> None:
        """Hand the current progress to the callback."""
        self.callback(self.snapshot(finished))

    def snapshot(self, finished: bool = False) -> CrawlProgress:
        """The crawl's counts now."""
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        session = self.crawler.get_extension(CrawlSession)
        writer = session.writer if session is not None else None
        articles = dict(writer.live_counts().articles) if writer is not None else {}
        return CrawlProgress(
            elapsed=time.monotonic() - self.started,
            pages=int(stats.get("downloader/response_count", 0)),
            articles=articles,
            errors=errors_by_kind(stats),
            waiting=self._waiting(),
            finished=finished,
        )

    def _waiting(self) -> int | None:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        try:
            return len(scheduler)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - a scheduler without a length (or gone): unknown
            return None
