"""Downloader middleware that keeps the final outcome of each start page, for the exit status.

A crawl whose start pages all failed (DNS, refused, timeouts, HTTP errors) finishes as
cleanly as one that archived a site: Scrapy's finish reason is "finished" in both. An
operator's cron job or systemd unit needs to tell them apart, so this middleware sits
near the engine (after retries and redirects have had their say) and records, for each
request the spider's ``start()`` made, whether a page came back: counts in
``chinareport/start_pages/fetched`` and ``.../failed``, and the failed start URLs with
the reason in ``chinareport/start_pages/failures`` (a dict, kept in the run's counts).
``nothing_fetched(stats)`` reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.downloadermiddlewares.fetch_log import error_kind

FETCHED = "chinareport/start_pages/fetched"
FAILED = "chinareport/start_pages/failed"
FAILURES = "chinareport/start_pages/failures"
# Readable reasons for the error kinds of fetch_log; other kinds are shown as they are.
REASONS = {
    "dns": "DNS lookup failed",
    "connection_refused": "connection refused",
    "timeout": "timed out",
    "connection_lost": "connection lost",
}
SHOWN_URLS = 3  # a start list of hundreds must still fit one line


class StartPagesMiddleware:
    """Record whether each start page came back with a page (a status below 400)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartPagesMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if _start_url(request):
            if response.status < 400:
                self.crawler.stats.inc_value(FETCHED)
            else:
                self._failed(request, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if _start_url(request):
            if isinstance(exception, IgnoreRequest):
                reason = str(exception) or "ignored"  # e.g. "Forbidden by robots.txt"
            else:
                kind = error_kind(exception)
                reason = REASONS.get(kind, kind.replace("_", " "))
            self._failed(request, reason)

    def _failed(self, request: Request, reason: str) -> None:
        stats = self.crawler.stats
        stats.inc_value(FAILED)
        failures = dict(stats.get_value(FAILURES) or {})
        failures[_start_url(request)] = reason
        stats.set_value(FAILURES, failures)


def _start_url(request: Request) -> str:
    # Redirects and retries copy the meta: the start page's own URL is the first of the chain.
    if not request.meta.get("is_start_request"):
        return ""
    chain = request.meta.get("redirect_urls") or [request.url]
    return str(chain[0])


def nothing_fetched(stats: Mapping[str, Any], reason: str = "finished") -> str | None:
    """Why a crawl counts as having fetched nothing, in one line; None if it fetched something.

    That is: it ran its course (Scrapy's finish ``reason`` is "finished" or a CloseSpider
    limit, not a signal or a failure) and every start page it requested failed, or it sent
    requests and no response came back. A worker of a distributed crawl that found the
    shared frontier empty sent none: it is idle, not failing.
    """
    if reason != "finished" and not reason.startswith("closespider_"):
        return None
    failures: dict[str, str] = dict(stats.get(FAILURES) or {})
    if stats.get(FAILED) and not stats.get(FETCHED):
        reasons = set(failures.values())
        if len(reasons) == 1:  # the usual case (no network, site down): say the reason once
            shown = list(failures)[:SHOWN_URLS]
            why = f" ({reasons.pop()})"
        else:
            shown = [f"{url} ({reason})" for url, reason in list(failures.items())[:SHOWN_URLS]]
            why = ""
        more = len(failures) - len(shown)
        listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        if len(failures) == 1:
            return f"the start page could not be fetched{why}: {listed}"
        return f"none of the {len(failures)} start pages could be fetched{why}: {listed}"
    if stats.get("downloader/request_count") and not stats.get("downloader/response_count"):
        return "nothing was fetched: no page came back"
    return None
