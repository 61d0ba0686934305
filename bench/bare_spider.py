"""The baseline of the crawl benchmark: a bare Scrapy spider that follows every in-site link
once (a seen-set in the spider), with no parsing and no storage, and the project's concurrency.

Run: ``python -m bench.bare_spider URL [-s NAME=VALUE ...]``.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse
from scrapy.settings import Settings

# What the project sets that decides how fast pages come in: the bare spider copies these so
# the two crawls differ only in what they do with a page.
SHARED_SETTINGS = (
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "DEFAULT_REQUEST_HEADERS",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "CONCURRENT_REQUESTS_PER_IP",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_WARNSIZE",
    "RETRY_TIMES",
    "REACTOR_THREADPOOL_MAXSIZE",
    "TWISTED_REACTOR",
    "AUTOTHROTTLE_ENABLED",
    "AUTOTHROTTLE_START_DELAY",
    "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "DNS_TIMEOUT",
    "SCHEDULER_PRIORITY_QUEUE",
    "DEPTH_PRIORITY",
)


class BareSpider(Spider):
    """Follow every ``<a href>`` on the start URL's host, each URL once."""

    name = "bench_bare"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.host = urlsplit(start_url).netloc
        self.seen: set[str] = {start_url}

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.start_url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[Request]:
        """Request the page's in-site links not requested before."""
        if not isinstance(response, TextResponse):
            return
        for href in response.xpath("//a/@href").getall():
            url = urljoin(response.url, href.strip()).split("#", 1)[0]
            if url in self.seen or urlsplit(url).netloc != self.host:
                continue
            self.seen.add(url)
            yield Request(url, callback=self.parse)


def bare_settings(overrides: dict[str, str]) -> Settings:
    """Scrapy's defaults, the project's download settings, then ``overrides``."""
    settings = Settings()
    project = Settings()
    project.setmodule("crawler.settings", priority="project")
    for name in SHARED_SETTINGS:
        if name in project:
            settings.set(name, project[name], priority="project")
    settings.set("LOG_LEVEL", "WARNING", priority="project")
    settings.set("TELNETCONSOLE_ENABLED", False, priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    """Crawl one site with the bare spider."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument(
        "-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE"
    )
    args = parser.parse_args(argv)
    overrides = dict(pair.split("=", 1) for pair in args.settings)
    process = CrawlerProcess(bare_settings(overrides))
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, start_url=args.url)
    process.start()
    pages = crawler.stats.get_value("response_received_count", 0) if crawler.stats else 0
    print(f"responses received: {pages}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
