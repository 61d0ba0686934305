"""Downloader middleware that records every fetch attempt, answered or not, in the fetches table.

It sits next to the downloader, so it sees each attempt (retries included) before
decompression, with the WARC locator that the capture extension left in
``request.meta["warc"]``.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler.downloadermiddlewares.incomplete import TRUNCATED_LENGTH, size_limit, truncation
from crawler.extensions.session import CrawlSession, utcnow
from crawler.workers.store_writer import FetchRow

logger = logging.getLogger(__name__)

# Exception class names -> the error kinds the summary and the fetches table use.
ERROR_KINDS = {
    # Scrapy 2.13+ wraps Twisted's errors in its own classes.
    "DownloadTimeoutError": "timeout",
    "DownloadConnectionRefusedError": "connection_refused",
    "CannotResolveHostError": "dns",
    "DownloadFailedError": "connection_lost",
    "ResponseDataLossError": "connection_lost",
    "UnsupportedURLSchemeError": "unsupported_scheme",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DNSLookupError": "dns",
    "ConnectionRefusedError": "connection_refused",
    "ConnectError": "connection",
    "ConnectionDone": "connection_lost",
    "ConnectionLost": "connection_lost",
    "ResponseFailed": "connection_lost",
    "ResponseNeverReceived": "connection_lost",
    "PotentialDataLoss": "truncated",
    "DownloadCancelledError": "size_limit",
    "CancelledError": "size_limit",
    "IgnoreRequest": "ignored",
}


def error_kind(exc: BaseException) -> str:
    """A short, stable name for the kind of a download error."""
    name = type(exc).__name__
    if name in ERROR_KINDS:
        return ERROR_KINDS[name]
    text = str(exc)
    if "maxsize" in text or "max size" in text.lower():
        return "size_limit"
    return name.lower()


def header(response: Response, name: str) -> str | None:
    """One response header as text, or None."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class FetchLogMiddleware:
    """Write one fetches row per attempt."""

    def __init__(self, crawler: Crawler, session: CrawlSession) -> None:
        self.crawler = crawler
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchLogMiddleware:
        session = crawler.get_extension(CrawlSession)
        if session is None:
            raise NotConfigured("no crawl session (storage off)")
        return cls(crawler, session)

    def process_response(self, request: Request, response: Response) -> Response:
        kind, error = None, None
        cut = truncation(request, response)
        if cut == TRUNCATED_LENGTH:
            kind = "size_limit"
            error = f"body over the size limit ({size_limit(request)} B), archived truncated"
        elif cut is not None:
            kind = "connection_lost"
            error = f"connection lost after {len(response.body)} B of the body"
        if kind:
            self.crawler.stats.inc_value(f"chinareport/errors/{kind}")
        self.session.add_fetch(
            FetchRow(
                url=response.url,
                fetched_at=utcnow(),
                status=response.status,
                error=error,
                error_kind=kind,
                warc=request.meta.get("warc"),
                etag=header(response, "ETag"),
                last_modified=header(response, "Last-Modified"),
            )
        )
        return response

    def process_exception(self, request: Request, exception: Exception) -> Any:
        if isinstance(exception, IgnoreRequest):
            return None  # refused before any fetch (robots.txt, off-site): nothing was fetched
        kind = error_kind(exception)
        self.crawler.stats.inc_value(f"chinareport/errors/{kind}")
        self.session.add_fetch(
            FetchRow(
                url=request.url,
                fetched_at=utcnow(),
                error=f"{type(exception).__name__}: {exception}"[:500],
                error_kind=kind,
                warc=request.meta.get("warc"),
            )
        )
        return None
