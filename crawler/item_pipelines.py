"""Scrapy item pipeline: a thin adapter from spider items to the store writer."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.extensions.session import CrawlSession
from crawler.items import ArticleItem
from pipelines.store import StoreItem


class StorePipeline:
    """Queue each article record for the database (the writer normalises and upserts)."""

    def __init__(self, crawler: Crawler, session: CrawlSession) -> None:
        self.crawler = crawler
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        session = crawler.get_extension(CrawlSession)
        if session is None:
            raise NotConfigured("no crawl session (storage off)")
        return cls(crawler, session)

    def process_item(self, item: object) -> object:
        if isinstance(item, ArticleItem):
            article = item.article
            self.session.add_article(
                StoreItem(
                    record=article.to_record(),
                    fetched_at=item.fetched_at,
                    charset=article.charset,
                    published_raw=article.published_raw,
                    page_count=article.page_count,
                )
            )
            self.crawler.stats.inc_value(f"chinareport/pages/{article.status}")
        return item
