"""A background writer that stores fetches and articles in batches, off the reactor thread.

The crawl hands it rows as they come; a thread writes them through the
``pipelines`` store in batches, so SQL never blocks downloading and parsing.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.errors import StoreError
from pipelines.store import ArticleStore, StoreItem

logger = logging.getLogger(__name__)

_STOP = object()


@dataclass
class FetchRow:
    """One attempt to fetch a URL, with or without a response."""

    url: str
    fetched_at: datetime
    status: int | None = None
    error: str | None = None
    error_kind: str | None = None
    warc: dict[str, Any] | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class ArticleRow:
    """One parsed article to upsert."""

    record: dict[str, Any]
    fetched_at: datetime
    charset: str | None = None
    published_raw: str | None = None
    page_count: int = 1


@dataclass
class WriterCounts:
    """What the writer stored, by outcome."""

    fetches: int = 0
    articles: Counter[str] = field(default_factory=Counter)


def _first_line(exc: BaseException) -> str:
    """The driver's message, first line only: SQLAlchemy appends SQL, parameters and a link."""
    inner = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(inner).splitlines() if line.strip()]
    return lines[0] if lines else type(inner).__name__


class SqliteFileGuard:
    """Notice a SQLite file deleted, replaced or made read-only under a running crawl.

    Open connections keep writing through their file descriptors whatever happens to the
    path: into an unlinked file after a delete or replace (rows silently lost), or into a
    file the user has made read-only. The writer checks before each batch and stops.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity = self._identity()

    @classmethod
    def for_url(cls, url: Any) -> SqliteFileGuard | None:
        """A guard for a SQLAlchemy URL naming a SQLite file, else None."""
        database = url.database or ""
        if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or \
                database.startswith("file:"):
            return None
        try:
            return cls(Path(database))
        except OSError:  # not created yet: nothing to compare against
            return None

    def _identity(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_dev, stat.st_ino

    def check(self) -> None:
        """Raise StoreError unless the path is still the file opened, and writable."""
        try:
            identity = self._identity()
        except OSError as exc:
            raise StoreError(f"the database file {self.path} is gone: {exc.strerror}") from exc
        if identity != self.identity:
            raise StoreError(f"the database file {self.path} was replaced during the crawl")
        if not os.access(self.path, os.W_OK):
            raise StoreError(f"the database file {self.path} is no longer writable")


class StoreWriter:
    """Queue rows and write them in batches from one background thread."""

    def __init__(self, store: ArticleStore, run_id: int, *, batch_size: int = 200,
                 max_delay: float = 0.5) -> None:
        self.store = store
        self.run_id = run_id
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.counts = WriterCounts()
        self.error: StoreError | None = None
        self._guard = SqliteFileGuard.for_url(store.engine.url)
        self._queue: queue.Queue[object] = queue.Queue(maxsize=10_000)
        self._thread = threading.Thread(target=self._run, name="chinareport-store", daemon=True)
        self._thread.start()

    def put(self, row: FetchRow | ArticleRow) -> None:
        """Queue one row; raises the writer's StoreError once it has failed."""
        if self.error is not None:
            raise self.error
        self._queue.put(row)

    def close(self) -> WriterCounts:
        """Write what is queued, stop the thread and return the counts."""
        self._queue.put(_STOP)
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.counts

    def _run(self) -> None:
        stop = False
        while not stop:
            batch: list[object] = [self._queue.get()]
            try:
                while len(batch) < self.batch_size:
                    batch.append(self._queue.get(timeout=self.max_delay))
            except queue.Empty:
                pass
            if batch[-1] is _STOP:
                batch.pop()
                stop = True
            elif _STOP in batch:
                batch.remove(_STOP)
                stop = True
            if self.error is None and batch:
                try:
                    self._write(batch)
                except StoreError as exc:
                    self.error = exc
                    logger.error("storing failed: %s", exc)
                except Exception as exc:  # noqa: BLE001 - any driver error stops the crawl cleanly
                    self.error = StoreError(f"database write failed: {_first_line(exc)}")
                    logger.error("storing failed: %s", exc)

    def _write(self, batch: list[Any]) -> None:
        if self._guard is not None:
            self._guard.check()
        fetches = [
            {"run_id": self.run_id, **vars(row)} for row in batch if isinstance(row, FetchRow)
        ]
        articles = [
            StoreItem(row.record, row.fetched_at, row.charset, row.published_raw, row.page_count)
            for row in batch
            if isinstance(row, ArticleRow)
        ]
        if fetches:
            self.counts.fetches += self.store.record_fetches(fetches)
        if articles:
            self.counts.articles.update(self.store.store_articles(articles))
