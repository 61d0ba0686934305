"""The chinareport spider: follow a site's listing and article pages, parse articles.

A thin adapter: link choice lives in ``crawler.links``, parsing in
``crawler.parser``, storing in the pipelines.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import ArticleItem
from crawler.links import in_site, is_asset, page_links, registered_domain
from crawler.parser import merge_pages, parse_page
from crawler.parser.record import STATUS_NOT_ARTICLE, Article
from crawler.session import utcnow


_CONTINUATION = re.compile(r"_(?:[2-9]|[1-9]\d+)\.s?html?$")


def capture_time(response: Response) -> datetime:
    """When the page was fetched: its WARC record's date, the same value a re-parse sees."""
    warc = response.meta.get("warc") or {}
    try:
        return datetime.fromisoformat(str(warc["warc_date"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return utcnow()


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1"): values[-1].decode("latin-1")
        for key, values in response.headers.items()
        if values
    }


class ChinareportSpider(Spider):
    """Crawl chinareport-style sites from their home, channel or sitemap pages."""

    name = "chinareport"

    def __init__(self, start_urls: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(start_urls, str):
            start_urls = [u for u in start_urls.replace(",", " ").split() if u]
        self.start_urls = list(start_urls or [])
        self.seen: set[str] = set()
        self.continuation_pages: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ChinareportSpider:
        spider: ChinareportSpider = super().from_crawler(crawler, *args, **kwargs)
        if not spider.start_urls:
            spider.start_urls = list(crawler.settings.getlist("CHINAREPORT_START_URLS"))
        spider.allowed_domains = sorted(
            {registered_domain(urlsplit(u).hostname or "") for u in spider.start_urls}
        )
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            self.seen.add(url)
            yield Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response) -> Iterator[Any]:
        """Parse a page as an article if it is one, and follow its in-site links."""
        if not isinstance(response, TextResponse):
            return
        article = parse_page(response.body, response.url, _headers(response))
        if article.status == STATUS_NOT_ARTICLE:
            self.crawler.stats.inc_value("chinareport/pages/not_article")
        elif response.url in self.continuation_pages or self._looks_like_continuation(article):
            self.crawler.stats.inc_value("chinareport/pages/continuation")
        elif article.next_pages:
            self.continuation_pages.update(article.next_pages)
            yield self._next_page_request(article, article.next_pages, [], capture_time(response))
        else:
            yield ArticleItem(article=article, fetched_at=capture_time(response))
        yield from self._follow(response, article)

    def _looks_like_continuation(self, article: Article) -> bool:
        # Page 2..n reached by a plain link: it is stored with its page 1, never alone.
        return _CONTINUATION.search(urlsplit(article.url).path) is not None

    def _follow(self, response: TextResponse, article: Article) -> Iterator[Request]:
        skip = set(article.next_pages)
        for url in page_links(response.text, response.url, response.encoding):
            if url in self.seen or url in skip or is_asset(url):
                continue
            if not in_site(url, self.allowed_domains):
                continue
            self.seen.add(url)
            yield Request(url, callback=self.parse)

    def _next_page_request(self, first: Article, remaining: list[str],
                           collected: list[Article], fetched_at: datetime) -> Request:
        url, rest = remaining[0], remaining[1:]
        self.seen.add(url)
        return Request(
            url,
            callback=self.parse_continuation,
            errback=self.continuation_failed,
            priority=10,
            dont_filter=True,  # page 1 must get its pages even if a listing linked one
            cb_kwargs={"first": first, "remaining": rest, "collected": collected,
                       "fetched_at": fetched_at},
        )

    def parse_continuation(self, response: Response, first: Article, remaining: list[str],
                           collected: list[Article], fetched_at: datetime) -> Iterator[Any]:
        """Collect page 2..n of a multi-page article; store the merged record after the last."""
        if isinstance(response, TextResponse):
            collected = [*collected, parse_page(response.body, response.url, _headers(response))]
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
