"""The crawl's link to the database: opens the store, records the crawl run, owns the writer.

Other components reach it with ``crawler.get_extension(CrawlSession)``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from sqlalchemy.exc import SQLAlchemyError

from crawler.workers.store_writer import FetchRow, StoreWriter
from pipelines.db import open_engine
from pipelines.errors import StoreError
from pipelines.store import ArticleStore, StoreItem

logger = logging.getLogger(__name__)


def db_url_from_settings(settings: Any) -> str:
    """The database URL of a crawl: CHINAREPORT_DB, else SQLite in the data dir."""
    url = settings.get("CHINAREPORT_DB") or ""
    if url:
        return str(url)
    data_dir = Path(settings.get("CHINAREPORT_DATA_DIR") or "data")
    return f"sqlite:///{data_dir / 'articles.db'}"


class CrawlSession:
    """Own the store and the crawl-run row for one crawl."""

    def __init__(self, crawler: Crawler, db_url: str, arguments: dict[str, Any]) -> None:
        self.crawler = crawler
        self.db_url = db_url
        self.arguments = arguments
        self.store: ArticleStore | None = None
        self.writer: StoreWriter | None = None
        self.run_id: int | None = None
        self.failed: str | None = None
        self.lock: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSession:
        settings = crawler.settings
        if not settings.getbool("CHINAREPORT_STORE_ENABLED", True):
            raise NotConfigured("storage switched off")
        arguments = settings.getdict("CHINAREPORT_RUN_ARGUMENTS") or {}
        session = cls(crawler, db_url_from_settings(settings), arguments)
        # The chinareport commands open the run before Scrapy starts, to name its log file.
        session.run_id = settings.getint("CHINAREPORT_RUN_ID") or None
        if not settings.getbool("CHINAREPORT_LOCK_HELD"):
            session.take_lock(settings)  # `scrapy crawl`: the chinareport commands hold it already
        crawler.signals.connect(session.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(session.spider_closed, signal=signals.spider_closed)
        return session

    def take_lock(self, settings: Any) -> None:
        """Take the database's crawl lock and repair what a killed crawl left, as the CLI does.

        Both are the jobs layer's: CHINAREPORT_LOCK_AND_REPAIR names the function, so that this
        extension does not import the layer that runs crawls.
        """
        lock_and_repair = load_object(settings.get("CHINAREPORT_LOCK_AND_REPAIR"))
        data_dir = Path(settings.get("CHINAREPORT_DATA_DIR") or "data")
        self.lock, self.failed = lock_and_repair(
            self.db_url, data_dir, Path(settings.get("WARC_DIR") or data_dir / "warc"),
            shared=bool(settings.get("CHINAREPORT_REDIS_PREFIX")), command="scrapy crawl",
        )
        if self.failed:
            logger.error("%s; not crawling", self.failed)
            self.crawler.stats.set_value("chinareport/store_error", self.failed)

    def spider_opened(self, spider: Spider) -> None:
        if self.failed:
            close_crawl(self.crawler, "lock_busy")
            return
        try:
            self.store = ArticleStore(open_engine(self.db_url))
            self.run_id = self.run_id or self.store.start_run(self.arguments)
        except StoreError as exc:
            self._fail(f"cannot open the database: {exc}")
            return
        self.writer = StoreWriter(self.store, self.run_id)
        self._link_revisits(self.store)
        logger.info("crawl run %s started, storing into %s", self.run_id, self.db_url)

    def _link_revisits(self, store: ArticleStore) -> None:
        # Revisit records across runs: ask the database for the last capture of a URL
        # when this process has not archived it yet.
        from crawler.extensions.warc_capture import WarcCapture

        capture = self.crawler.get_extension(WarcCapture)
        if capture is None or not _has_captures(store):
            return  # a first crawl: nothing archived before, no lookup per response
        own = capture.previous_capture

        def previous_capture(url: str) -> tuple[str, str, str] | None:
            found = own(url)
            if found is not None:
                return found
            try:
                return store.last_capture(url)
            except SQLAlchemyError as exc:
                # The database gone must not cost the WARC record: archive a full response.
                logger.debug("revisit lookup failed for %s: %s", url, exc)
                return None

        capture.previous_capture = previous_capture

    def add_fetch(self, row: FetchRow) -> None:
        """Record one fetch attempt."""
        self._put(row)

    def add_article(self, row: StoreItem) -> None:
        """Store one parsed article."""
        self._put(row)

    def _put(self, row: FetchRow | StoreItem) -> None:
        if self.writer is None:
            return
        try:
            self.writer.put(row)
        except StoreError as exc:
            self._fail(f"the database stopped accepting writes: {exc}")

    def _fail(self, message: str) -> None:
        if self.failed is None:
            self.failed = message
            logger.error("%s; stopping the crawl (the WARC files keep every response)", message)
            self.crawler.stats.set_value("chinareport/store_error", message)
            close_crawl(self.crawler, "store_error")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        if self.writer is not None:
            try:
                self.writer.close()
            except StoreError as exc:
                self.failed = self.failed or f"the database stopped accepting writes: {exc}"
                stats.set_value("chinareport/store_error", self.failed)
                logger.error("%s", self.failed)
            # What was stored before a failure counts too: the summary must not say 0.
            counts = self.writer.counts
            for outcome, n in counts.articles.items():
                stats.set_value(f"chinareport/articles/{outcome}", n)
            stats.set_value("chinareport/fetches_stored", counts.fetches)
        job_dir = self.crawler.settings.get("JOBDIR")
        if job_dir:
            from crawler.frontier.jobdir import close_job_dir

            close_job_dir(Path(job_dir), finished=reason == "finished")
        if self.store is not None and self.run_id is not None and self.failed is None:
            outcome = run_outcome(reason, stats.get_stats())
            try:
                self.store.finish_run(self.run_id, _run_counts(stats.get_stats()), outcome)
            except StoreError as exc:
                logger.error("could not record the end of crawl run %s: %s", self.run_id, exc)
        if self.lock is not None:
            self.lock.release()


UNREACHABLE = "unreachable"


def run_outcome(reason: str, stats: dict[str, Any] | None = None) -> str:
    """The crawl_runs outcome of a Scrapy finish reason (a signal's "shutdown" is interrupted).

    A crawl that finished without fetching any start page (or anything at all) is
    ``unreachable``: what `chinareport crawl` reports with exit status 3.
    """
    if stats is not None:
        # Imported here: start_pages imports fetch_log, which imports this module.
        from crawler.downloadermiddlewares.start_pages import nothing_fetched

        if nothing_fetched(stats, reason):
            return UNREACHABLE
    return {"finished": "finished", "shutdown": "interrupted"}.get(reason, reason)


def _run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The counts a crawl run keeps: pages, articles by outcome, errors by kind."""
    keep = ("downloader/response_count", "downloader/request_count", "item_scraped_count")
    counts: dict[str, Any] = {k: stats[k] for k in keep if k in stats}
    counts["pages_fetched"] = int(stats.get("downloader/response_count", 0))
    for outcome in ("new", "changed", "unchanged"):
        counts[f"articles_{outcome}"] = int(stats.get(f"chinareport/articles/{outcome}", 0))
    errors: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("chinareport/errors/"):
            errors[key.rsplit("/", 1)[1]] = int(value)
        elif key.startswith("downloader/response_status_count/") and key[-3:-2] in "45":
            errors[f"http_{key[-3:]}"] = int(value)
    counts["errors"] = errors
    counts["warc_files"] = int(stats.get("warc/files", 0))
    counts["warc_bytes"] = int(stats.get("warc/bytes_written", 0))
    for key, value in stats.items():
        if key.startswith(("chinareport/", "downloader/response_status_count/",
                           "downloader/exception_type_count/")):
            counts[key] = value
    return json.loads(json.dumps(counts, default=str))


def _has_captures(store: ArticleStore) -> bool:
    """Whether any response has been archived into this database before."""
    from sqlalchemy import select

    from pipelines.models import Fetch

    try:
        with store.engine.connect() as conn:
            found = conn.execute(
                select(Fetch.id).where(Fetch.warc_record_type == "response").limit(1)
            ).first()
    except SQLAlchemyError:
        return True  # cannot tell: keep the lookups
    return found is not None


def close_crawl(crawler: Crawler, reason: str) -> None:
    """Ask the engine to close the spider (once) with ``reason``."""
    engine = crawler.engine
    if engine is None or engine.spider is None:
        return
    # deferred_from_coro, not ensureDeferred: under the asyncio reactor the engine awaits
    # asyncio futures, which only an asyncio task can drive.
    deferred = deferred_from_coro(engine.close_spider_async(reason=reason))
    deferred.addErrback(lambda failure: logger.debug("closing: %s", failure.value))


def utcnow() -> datetime:
    """The current time, time-zone aware (UTC)."""
    return datetime.now(UTC)
