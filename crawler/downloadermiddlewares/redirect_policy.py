"""Downloader middleware: a redirect obeys the incremental policy, like a link does.

The spider asks ``IncrementalPolicy`` about every link it follows, but Scrapy's
redirect middleware schedules the target of a 301/302 itself. Without this an
alias URL met for the first time (``/a/20240628/5998.shtml`` -> the article)
fetches a stored, unchanged article again on an incremental or resumed crawl.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured


class RedirectPolicyMiddleware:
    """Drop a redirect whose target the incremental policy would not fetch."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectPolicyMiddleware:
        if not crawler.settings.getbool("REDIRECT_ENABLED", True):
            raise NotConfigured("redirects are off")
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("redirect_urls") or request.dont_filter:
            return
        policy = getattr(self.crawler.spider, "policy", None)
        if policy is None or policy.plan([request.url]):
            return
        self.crawler.stats.inc_value("chinareport/incremental/skipped/redirect_target")
        raise IgnoreRequest(f"redirect to {request.url}: stored and unchanged")
