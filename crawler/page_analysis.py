"""Everything the crawl learns from one page, computed away from the reactor thread.

``analyse_page`` is a plain function (decode once, parse, find links and listing
dates); ``PageAnalyser`` runs it in a worker process so parsing uses the second
core while Scrapy's engine keeps the first.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from crawler.incremental import Pagination, listing_dates, pagination
from crawler.links import page_links
from crawler.parser import decode_html, parse_text
from crawler.parser.record import STATUS_NOT_ARTICLE, Article

logger = logging.getLogger(__name__)


@dataclass
class PageAnalysis:
    """One page's article record, its links, and for listings their dates and pager."""

    article: Article
    links: list[str] = field(default_factory=list)
    dates: dict[str, date] = field(default_factory=dict)
    pages: Pagination | None = None


def analyse_page(body: bytes, url: str, headers: Mapping[str, str], *,
                 with_links: bool = True) -> PageAnalysis:
    """Decode a page once and read what the crawl needs from it; never raises on bad pages."""
    text, charset = decode_html(body or b"", headers)
    article = parse_text(text, charset, url)
    result = PageAnalysis(article)
    if with_links:
        result.links = list(page_links(text, url, charset))
        if article.status == STATUS_NOT_ARTICLE:
            result.dates = listing_dates(text, url)
            result.pages = pagination(text, url)
    return result


def _init_worker(parent: int) -> None:
    # charset_normalizer logs at TRACE level per guess: formatting that costs real time.
    logging.getLogger("charset_normalizer").setLevel(logging.WARNING)
    # A pool worker waits for work forever: if the crawl is killed (kill -9), go with it.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


class PageAnalyser:
    """Run ``analyse_page`` in worker processes (``workers=0``: in this process)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Executor | None = None
        if workers > 0:
            # spawn, not fork: the crawl process has threads (the store writer) and a reactor.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(workers, mp_context=context,
                                             initializer=_init_worker, initargs=(os.getpid(),))

    async def analyse(self, body: bytes, url: str, headers: Mapping[str, str], *,
                      with_links: bool = True) -> PageAnalysis:
        """The analysis of one page, from a worker when there is one."""
        if self._pool is None:
            return analyse_page(body, url, headers, with_links=with_links)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            self._pool, _analyse_in_worker, body, url, dict(headers), with_links
        )
        return await future

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _analyse_in_worker(body: bytes, url: str, headers: dict[str, str],
                       with_links: bool) -> PageAnalysis:
    return analyse_page(body, url, headers, with_links=with_links)
