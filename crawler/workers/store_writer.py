"""A background writer that stores fetches and articles in batches, in its own process.

The crawl hands it rows as they come; a child process normalises them and writes
them through the ``pipelines`` store in batches. SQL, search tokens and record
normalising then cost the crawl's process nothing, not even the GIL.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.workers.children import die_with_parent
from pipelines.db import open_engine
from pipelines.errors import StoreError
from pipelines.normalise import normalise_record
from pipelines.store import ArticleStore, StoreItem

logger = logging.getLogger(__name__)

_STOP = "stop"  # a string, so it survives the trip through the queue


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


class BatchWriter:
    """Write batches of rows through the store (in the writer process)."""

    def __init__(self, store: ArticleStore, run_id: int) -> None:
        self.store = store
        self.run_id = run_id
        self.counts = WriterCounts()
        self._guard = SqliteFileGuard.for_url(store.engine.url)

    def write(self, batch: list[Any]) -> None:
        """Store one batch: fetch rows first, then the articles."""
        if self._guard is not None:
            self._guard.check()
        fetches = [
            {"run_id": self.run_id, **vars(row)} for row in batch if isinstance(row, FetchRow)
        ]
        articles = []
        for row in batch:
            if isinstance(row, StoreItem):
                try:
                    record = normalise_record(row.record)
                except StoreError as exc:  # one bad record must not stop the crawl
                    logger.warning("not storing %s: %s", row.record.get("url"), exc)
                    self.counts.articles["invalid"] += 1
                    continue
                articles.append(replace(row, record=record))
        if fetches:
            self.counts.fetches += self.store.record_fetches(fetches)
        if articles:
            self.counts.articles.update(self.store.store_articles(articles))


def _next_batch(rows: Any, size: int, max_delay: float,
                parent: int) -> tuple[list[Any], bool]:
    """Up to ``size`` rows, waiting at most ``max_delay`` after the first; and whether to stop."""
    while True:
        try:
            batch: list[Any] = list(rows.get(timeout=1.0))
            break
        except queue.Empty:
            if os.getppid() != parent:  # the crawl was killed: nobody will send more
                return [], True
    try:
        while len(batch) < size and _STOP not in batch:
            batch.extend(rows.get(timeout=max_delay))
    except queue.Empty:
        pass
    stop = _STOP in batch
    return [row for row in batch if row != _STOP], stop


def _writer_main(db_url: str, run_id: int, rows: Any, results: Any, batch_size: int,
                 max_delay: float, parent: int) -> None:
    """The writer process: store batches until told to stop; report counts or the error."""
    if not die_with_parent(parent):
        return
    error: str | None = None
    writer: BatchWriter | None = None
    try:
        writer = BatchWriter(ArticleStore(open_engine(db_url, upgrade=False)), run_id)
    except StoreError as exc:
        error = str(exc)
    stop = False
    while not stop:
        batch, stop = _next_batch(rows, batch_size, max_delay, parent)
        if error is not None or writer is None or not batch:
            continue  # after a failure, drain the queue so the crawl never blocks on it
        try:
            writer.write(batch)
            # The crawl's progress display reads these (StoreWriter.live_counts).
            _report(results, ("counts", (writer.counts.fetches, dict(writer.counts.articles))))
        except StoreError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - any driver error stops the crawl cleanly
            error = f"database write failed: {_first_line(exc)}"
        if error is not None:
            _report(results, ("error", error))
    counts = writer.counts if writer is not None else WriterCounts()
    _report(results, ("done", (counts.fetches, dict(counts.articles), error)))


def _report(results: Any, message: tuple[str, Any]) -> None:
    try:
        results.send(message)
    except OSError:  # the crawl is gone (killed): nobody to tell
        pass


class StoreWriter:
    """Queue rows for the writer process; raises its StoreError once it has failed."""

    def __init__(self, store: ArticleStore, run_id: int, *, batch_size: int = 200,
                 max_delay: float = 0.5, send_every: float = 0.2) -> None:
        self.store = store
        # Rows cross to the writer in small lists: one queue operation per list, not per row.
        self.send_every = send_every
        self._outbox: list[FetchRow | StoreItem] = []
        self._sent_at = time.monotonic()
        self.run_id = run_id
        self.counts = WriterCounts()
        self.error: StoreError | None = None
        self._closed = False
        # spawn, not fork: this process runs a reactor and threads.
        context = multiprocessing.get_context("spawn")
        self._rows = context.Queue(maxsize=10_000)
        self._results, child_end = context.Pipe(duplex=False)
        url = store.engine.url.render_as_string(hide_password=False)
        self._process = context.Process(
            target=_writer_main,
            args=(url, run_id, self._rows, child_end, batch_size, max_delay, os.getpid()),
            name="chinareport-store",
            daemon=True,
        )
        self._process.start()
        child_end.close()

    def _check(self) -> None:
        while self.error is None and self._results.poll():
            kind, value = self._results.recv()
            if kind == "counts":
                self.counts = WriterCounts(value[0], Counter(value[1]))
            elif kind == "error":
                self.error = StoreError(value)
                logger.error("storing failed: %s", value)

    def live_counts(self) -> WriterCounts:
        """What the writer has stored so far (as it last reported)."""
        if not self._closed:
            try:
                self._check()
            except (EOFError, OSError):  # the writer is gone: close() will say why
                pass
        return self.counts

    def put(self, row: FetchRow | StoreItem) -> None:
        """Queue one row; raises the writer's StoreError once it has failed."""
        self._outbox.append(row)
        now = time.monotonic()
        if len(self._outbox) >= 64 or now - self._sent_at >= self.send_every:
            self._send(now)

    def _send(self, now: float) -> None:
        self._check()
        if self.error is not None:
            raise self.error
        if self._outbox:
            self._rows.put(self._outbox)
            self._outbox = []
        self._sent_at = now

    def close(self) -> WriterCounts:
        """Write what is queued, stop the writer and return the counts."""
        self._closed = True
        if self.error is None and self._outbox:
            self._rows.put(self._outbox)
        self._rows.put([_STOP])
        error: str | None = None
        try:
            while True:
                kind, value = self._results.recv()
                if kind == "error":
                    error = error or value
                elif kind == "done":
                    fetches, articles, error = value[0], value[1], value[2] or error
                    self.counts = WriterCounts(fetches, Counter(articles))
                    break
        except EOFError:
            error = error or "the database writer process died"
        self._process.join()
        self._rows.close()
        if error is not None:
            self.error = StoreError(error)
            raise self.error
        return self.counts
