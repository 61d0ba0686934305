"""Everything the crawl learns from one page, computed away from the reactor thread.

``analyse_page`` is a plain function (decode once, parse, find links and listing
dates); ``PageAnalyser`` runs it in worker processes so parsing uses the other
cores while Scrapy's engine keeps the first. Each worker is fed over a socket
that the event loop reads: no helper threads in the crawl's process, whose one
thread is the crawl's bottleneck.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import socket
import struct
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

from crawler.frontier.links import page_links
from crawler.frontier.listings import Pagination, listing_dates, pagination
from crawler.frontier.sitemaps import is_sitemap, sitemap_locs
from crawler.parser import PARSER_VERSION, decode_html, parse_text
from crawler.parser.record import STATUS_NOT_ARTICLE, Article

logger = logging.getLogger(__name__)

Task = tuple[bytes, str, dict[str, str], bool]  # body, url, headers, with_links
_SIZE = struct.Struct("!i")  # multiprocessing.Connection's framing, so the worker can use it
_LARGE = struct.Struct("!Q")


@dataclass
class PageAnalysis:
    """One page's article record, its links, and for listings their dates and pager."""

    article: Article
    links: list[str] = field(default_factory=list)
    dates: dict[str, date] = field(default_factory=dict)
    pages: Pagination | None = None
    sitemap: bool = False  # the links are a sitemap's <loc> entries


def analyse_page(body: bytes, url: str, headers: Mapping[str, str], *,
                 with_links: bool = True) -> PageAnalysis:
    """Decode a page once and read what the crawl needs from it; never raises on bad pages."""
    text, charset = decode_html(body or b"", headers)
    if with_links and is_sitemap(text, headers):
        record = Article(url=url, parser_version=PARSER_VERSION, charset=charset)
        return PageAnalysis(record, links=sitemap_locs(text, url), sitemap=True)
    article = parse_text(text, charset, url)
    result = PageAnalysis(article)
    if with_links:
        result.links = list(page_links(text, url, charset))
        if article.status == STATUS_NOT_ARTICLE:
            result.dates = listing_dates(text, url)
            result.pages = pagination(text, url)
    return result


def _frame(payload: bytes) -> bytes:
    if len(payload) > 0x7FFFFFFF:
        return _SIZE.pack(-1) + _LARGE.pack(len(payload)) + payload
    return _SIZE.pack(len(payload)) + payload


def _worker_main(conn: Connection) -> None:
    """A worker: answer each batch of pages with their analyses (or the error), in order."""
    # charset_normalizer logs at TRACE level per guess: formatting that costs real time.
    logging.getLogger("charset_normalizer").setLevel(logging.WARNING)
    while True:
        try:
            tasks: list[Task] = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the crawl closed the socket, or was killed: nothing more will come
        results: list[PageAnalysis | BaseException] = []
        for body, url, headers, with_links in tasks:
            try:
                results.append(analyse_page(body, url, headers, with_links=with_links))
            except Exception as exc:  # noqa: BLE001 - raised again in the crawl, like an executor
                results.append(exc)
        try:
            conn.send_bytes(pickle.dumps(results, pickle.HIGHEST_PROTOCOL))
        except OSError:
            return


class _Worker:
    """One worker process and the pages sent to it, answered in the order sent."""

    def __init__(self, context: Any) -> None:
        ours, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(theirs,),
                                       name="chinareport-parse", daemon=True)
        self.process.start()
        theirs.close()
        self._conn: Connection | None = ours
        self._socket: socket.socket | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._connecting: asyncio.Task[asyncio.StreamWriter] | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self.waiting: deque[asyncio.Future[PageAnalysis]] = deque()
        self._batch: list[Task] = []
        self.failed = False

    async def _connect(self) -> asyncio.StreamWriter:
        assert self._conn is not None
        self._socket = socket.socket(fileno=os.dup(self._conn.fileno()))
        self._conn.close()
        self._conn = None
        reader, writer = await asyncio.open_unix_connection(sock=self._socket)
        self._reader_task = asyncio.get_running_loop().create_task(self._read(reader))
        self._writer = writer
        return writer

    async def submit(self, task: Task) -> asyncio.Future[PageAnalysis]:
        """Queue one page; pages queued in one turn of the event loop travel as one batch."""
        if self._writer is None:
            # The first pages arrive together: they all wait for the one connection.
            if self._connecting is None:
                self._connecting = asyncio.ensure_future(self._connect())
            await self._connecting
        writer = self._writer
        assert writer is not None
        future: asyncio.Future[PageAnalysis] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        if not self._batch:
            asyncio.get_running_loop().call_soon(self._flush, writer)
        self._batch.append(task)
        return future

    def _flush(self, writer: asyncio.StreamWriter) -> None:
        batch, self._batch = self._batch, []
        if self.failed or writer.is_closing():
            self._lost(ConnectionResetError("the worker's socket is closed"))
            return
        writer.write(_frame(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                (size,) = _SIZE.unpack(await reader.readexactly(_SIZE.size))
                if size == -1:
                    (size,) = _LARGE.unpack(await reader.readexactly(_LARGE.size))
                results = pickle.loads(await reader.readexactly(size))
                for result in results:
                    future = self.waiting.popleft()
                    if future.done():
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self._lost(exc)

    def _lost(self, exc: BaseException) -> None:
        # The worker died (or was stopped): the pages it held are analysed here instead.
        self.failed = True
        if self.waiting:
            logger.error("page analysis worker %s exited: %r", self.process.pid, exc)
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerLost())

    def close(self) -> None:
        """End the worker: it reads the end of its input and exits."""
        if self._socket is not None:
            # Now, not when the event loop next runs: the join below blocks it.
            self._socket.shutdown(socket.SHUT_RDWR)
        if self._conn is not None:
            self._conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()


class WorkerLost(Exception):
    """The worker holding a page exited before answering."""


class PageAnalyser:
    """Run ``analyse_page`` in worker processes (``workers=0``: in this process)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        # spawn, not fork: the crawl process has threads (the store writer) and a reactor.
        context = multiprocessing.get_context("spawn")
        self._workers = [_Worker(context) for _ in range(workers)]

    async def analyse(self, body: bytes, url: str, headers: Mapping[str, str], *,
                      with_links: bool = True) -> PageAnalysis:
        """The analysis of one page, from a worker when there is one."""
        alive = [w for w in self._workers if not w.failed]
        if alive:
            worker = min(alive, key=lambda w: len(w.waiting))
            future = await worker.submit((body, url, dict(headers), with_links))
            try:
                return await future
            except WorkerLost:
                pass
        return analyse_page(body, url, headers, with_links=with_links)

    def close(self) -> None:
        """Stop the workers."""
        for worker in self._workers:
            worker.close()
        self._workers = []
