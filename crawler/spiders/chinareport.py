"""The chinareport spider: follow a site's listing and article pages, parse articles.

A thin adapter: link choice lives in ``crawler.frontier.links``, the seen-URL set in
``crawler.frontier.seen``, what an incremental crawl fetches again in
``crawler.frontier.incremental``, parsing in ``crawler.parser``, storing in the pipelines.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.reader import warc_datetime
from crawler.extensions.session import utcnow
from crawler.frontier.incremental import IncrementalPolicy
from crawler.frontier.links import in_site, is_asset, is_continuation_page, registered_domain
from crawler.frontier.seen import SeenSet, open_seen_set
from crawler.items import ArticleItem
from crawler.parser import merge_pages
from crawler.parser.record import STATUS_NOT_ARTICLE, Article
from crawler.workers.page_analysis import PageAnalyser, PageAnalysis


def capture_time(response: Response) -> datetime:
    """When the page was fetched: its WARC record's date, the same value a re-parse sees."""
    warc = response.meta.get("warc")
    return warc_datetime(warc.get("warc_date")) if warc else utcnow()


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1"): values[-1].decode("latin-1")
        for key, values in response.headers.items()
        if values
    }


class ChinareportSpider(Spider):
    """Crawl chinareport-style sites from their home, channel or sitemap pages."""

    name = "chinareport"
    allowed_domains: list[str]  # the start URLs' sites, set in from_crawler

    def __init__(self, start_urls: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(start_urls, str):
            start_urls = [u for u in start_urls.replace(",", " ").split() if u]
        self.start_urls = list(start_urls or [])
        self.continuation_pages: set[str] = set()
        self._seen: SeenSet | None = None
        self._seen_tmp: Path | None = None
        self._policy: IncrementalPolicy | None = None
        self._analyser: PageAnalyser | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ChinareportSpider:
        spider: ChinareportSpider = super().from_crawler(crawler, *args, **kwargs)
        if not spider.start_urls:
            spider.start_urls = list(crawler.settings.getlist("CHINAREPORT_START_URLS"))
        spider.allowed_domains = sorted(
            {registered_domain(urlsplit(u).hostname or "") for u in spider.start_urls}
        )
        return spider

    @property
    def seen(self) -> SeenSet:
        """The crawl's seen-URL set (on disk or in Redis, never only in memory)."""
        if self._seen is None:
            self._seen, self._seen_tmp = open_seen_set(self.crawler.settings)
        return self._seen

    @property
    def policy(self) -> IncrementalPolicy:
        """What to fetch again: built on first use, once the store is open."""
        if self._policy is None:
            from crawler.extensions.session import CrawlSession

            session = self.crawler.get_extension(CrawlSession)
            store = session.store if session is not None else None
            settings = self.crawler.settings
            since = settings.get("CHINAREPORT_SINCE")
            stats = self.crawler.stats
            self._policy = IncrementalPolicy(
                store.engine if store is not None else None,
                refresh=settings.getbool("CHINAREPORT_REFRESH"),
                since=date.fromisoformat(since) if since else None,
                count=lambda key, n: stats.inc_value(f"chinareport/incremental/{key}", n),
            )
        return self._policy

    async def start(self) -> AsyncIterator[Request]:
        from crawler.extensions.session import CrawlSession

        session = self.crawler.get_extension(CrawlSession)
        if session is not None and session.failed:
            return  # another crawl holds the database: fetch nothing
        self.policy  # noqa: B018 - built now: it reads the database before this crawl writes
        shared = bool(self.crawler.settings.get("CHINAREPORT_REDIS_PREFIX"))
        # Alone, start pages are always fetched (they are listings); workers of a distributed
        # crawl share them out like any other link.
        new = set(self.seen.add_new(self.start_urls))
        for url in self.start_urls:
            if url in new or not shared:
                yield Request(url, callback=self.parse, errback=self.start_failed,
                              dont_filter=True)

    def start_failed(self, failure: Failure) -> None:
        """A start page that could not be fetched is worth a warning: nothing follows from it."""
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        from crawler.downloadermiddlewares.fetch_log import ERROR_KINDS, error_kind
        from crawler.downloadermiddlewares.start_pages import REASONS

        exc = failure.value
        if isinstance(exc, HttpError):
            reason = f"HTTP {exc.response.status}"
        elif isinstance(exc, IgnoreRequest):
            reason = "robots.txt disallows it" if "robots.txt" in str(exc) else str(exc)
        elif type(exc).__name__ in ERROR_KINDS:
            kind = error_kind(exc)
            reason = REASONS.get(kind, kind.replace("_", " "))
        else:
            failure.raiseException()  # not the network's doing: Scrapy logs it with its traceback
        url = failure.request.url  # type: ignore[attr-defined]
        self.logger.warning("start page %s not fetched: %s", url, reason)

    def closed(self, reason: str) -> None:
        """Let go of the seen set (a temporary one is removed)."""
        if self._seen is not None:
            self._seen.close()
        if self._seen_tmp is not None:
            shutil.rmtree(self._seen_tmp, ignore_errors=True)
        if self._analyser is not None:
            self._analyser.close()

    @property
    def analyser(self) -> PageAnalyser:
        """Parses pages in worker processes (CHINAREPORT_PARSE_WORKERS; default cores - 1)."""
        if self._analyser is None:
            workers = self.crawler.settings.getint("CHINAREPORT_PARSE_WORKERS", -1)
            if workers < 0:
                workers = max(0, (os.cpu_count() or 1) - 1)
            self._analyser = PageAnalyser(workers)
        return self._analyser

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        """Parse a page as an article if it is one, and follow its in-site links."""
        if not isinstance(response, TextResponse):
            return
        analysis = await self.analyser.analyse(response.body, response.url, _headers(response))
        article = analysis.article
        if article.status == STATUS_NOT_ARTICLE:
            self.crawler.stats.inc_value("chinareport/pages/not_article")
            if self.policy.older_than_since(analysis.dates):
                self.crawler.stats.inc_value("chinareport/incremental/since_stopped_listing")
                return
        elif response.url in self.continuation_pages or self._looks_like_continuation(article):
            self.crawler.stats.inc_value("chinareport/pages/continuation")
        elif article.next_pages:
            self.continuation_pages.update(article.next_pages)
            yield self._next_page_request(article, article.next_pages, [], capture_time(response))
        else:
            yield ArticleItem(article=article, fetched_at=capture_time(response))
        for request in self._follow(analysis):
            yield request

    def _looks_like_continuation(self, article: Article) -> bool:
        # Page 2..n reached by a plain link: it is stored with its page 1, never alone.
        return is_continuation_page(article.url)

    def _follow(self, analysis: PageAnalysis) -> Iterator[Request]:
        # Pages 2..n of an article come with their page 1; a listing's next pages are followed
        # (with --since, one at a time, up to the page that reaches back past the date).
        article = analysis.article
        if article.status != STATUS_NOT_ARTICLE or analysis.pages is None:
            skip = set(article.next_pages)
        else:
            skip = self.policy.pages_to_skip(analysis.dates, analysis.pages)
        links = [
            url for url in analysis.links
            if url not in skip and in_site(url, self.allowed_domains)
            and (not is_asset(url) or analysis.sitemap and url.endswith(".xml"))  # sitemap index
        ]
        for planned in self.policy.plan(self.seen.add_new(links), analysis.dates):
            yield Request(planned.url, callback=self.parse, headers=planned.headers or None,
                          meta={"incremental": planned.reason})

    def _next_page_request(self, first: Article, remaining: list[str],
                           collected: list[Article], fetched_at: datetime) -> Request:
        url, rest = remaining[0], remaining[1:]
        self.seen.add_new([url])
        return Request(
            url,
            callback=self.parse_continuation,
            errback=self.continuation_failed,
            priority=10,
            dont_filter=True,  # page 1 must get its pages even if a listing linked one
            cb_kwargs={"first": first, "remaining": rest, "collected": collected,
                       "fetched_at": fetched_at},
        )

    async def parse_continuation(self, response: Response, first: Article, remaining: list[str],
                                 collected: list[Article],
                                 fetched_at: datetime) -> AsyncIterator[Any]:
        """Collect page 2..n of a multi-page article; store the merged record after the last."""
        if isinstance(response, TextResponse):
            analysis = await self.analyser.analyse(response.body, response.url,
                                                   _headers(response), with_links=False)
            collected = [*collected, analysis.article]
        if remaining:
            yield self._next_page_request(first, remaining, collected, fetched_at)
        else:
            yield ArticleItem(article=merge_pages(first, collected), fetched_at=fetched_at)

    def continuation_failed(self, failure: Failure) -> Iterator[Any]:
        """A missing page 2..n still leaves the pages that did arrive stored."""
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        self.logger.warning("page of a multi-page article failed: %s", failure.value)
        yield ArticleItem(article=merge_pages(kwargs["first"], kwargs["collected"]),
                          fetched_at=kwargs["fetched_at"])
