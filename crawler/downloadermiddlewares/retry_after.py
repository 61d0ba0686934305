"""Retries that honour ``Retry-After``: a 429 or 503 asking to wait is retried after that wait.

Scrapy's RetryMiddleware retries those statuses at once, which a rate-limiting server
answers with another 429. This subclass waits what the server asks, never more than
RETRY_AFTER_MAX seconds (a server asking for an hour must not stall the crawl), and
otherwise behaves exactly like Scrapy's (RETRY_TIMES, RETRY_HTTP_CODES, dont_retry).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)

DEFAULT_MAX_WAIT = 60.0


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """The wait a Retry-After header asks for (delay-seconds or HTTP-date), or None if invalid."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that waits min(Retry-After, RETRY_AFTER_MAX) before a retry."""

    max_wait: float = DEFAULT_MAX_WAIT

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        mw = super().from_crawler(crawler)
        mw.max_wait = crawler.settings.getfloat("RETRY_AFTER_MAX", DEFAULT_MAX_WAIT)
        return mw

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked:
            wait = min(asked, self.max_wait)
            self.crawler.stats.inc_value("chinareport/retry_after/waits")
            logger.info("%s: server asked to retry after %.0f s, waiting %.1f s",
                        response.url, asked, wait)
            await sleep(wait)
        return retry
