"""Responses that arrive incomplete (cut at the size limit, or by a lost connection) and bombs.

Scrapy drops both kinds before ``response_downloaded``: its download handler aborts at
the headers when Content-Length is over DOWNLOAD_MAXSIZE, and fails a reset connection
with the partial body thrown away, so the archive would never see what did arrive.
Here the size limit moves out of the download handler into a ``bytes_received``
handler that stops the download *at* the limit with the prefix kept
(``StopDownload(fail=False)``), and with DOWNLOAD_FAIL_ON_DATALOSS off a reset
connection delivers its prefix too. WarcCapture archives either one with a
``WARC-Truncated`` header, FetchLogMiddleware records the attempt with its error kind,
and this middleware then stops it, before redirects, decompression or the spider see
it: a truncated page is never parsed into an article. A lost connection is retried as
RETRY_TIMES says. Bodies that decompress past the limit are counted as
``decompression_limit`` errors.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Response

logger = logging.getLogger(__name__)

LIMIT_KEY = "chinareport_maxsize"
RECEIVED_KEY = "chinareport_received"
CUT_KEY = "chinareport_cut_at_limit"

TRUNCATED_LENGTH = "length"  # WARC-Truncated values (WARC 1.1, section 5.13)
TRUNCATED_DISCONNECT = "disconnect"


class IncompleteResponse(IgnoreRequest):
    """A response that arrived incomplete: archived and logged, never parsed."""


def truncation(request: Request, response: Response) -> str | None:
    """Why a response's body is incomplete: "length", "disconnect", or None when whole."""
    if request.meta.get(CUT_KEY) and "download_stopped" in response.flags:
        return TRUNCATED_LENGTH
    if "dataloss" in response.flags:
        return TRUNCATED_DISCONNECT
    return None


def size_limit(request: Request) -> int:
    """The byte limit that applies to a request's body (0: none)."""
    return int(request.meta.get(LIMIT_KEY) or 0)


class IncompleteResponseMiddleware:
    """Enforce DOWNLOAD_MAXSIZE keeping the prefix; stop incomplete responses after logging."""

    def __init__(self, crawler: Crawler, maxsize: int, retry: bool) -> None:
        self.crawler = crawler
        self.maxsize = maxsize
        self.retry = retry

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncompleteResponseMiddleware:
        settings = crawler.settings
        maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        if not maxsize and settings.getbool("DOWNLOAD_FAIL_ON_DATALOSS"):
            raise NotConfigured("no size limit and data loss fails downloads")
        mw = cls(crawler, maxsize, settings.getbool("RETRY_ENABLED"))
        crawler.signals.connect(mw.bytes_received, signal=signals.bytes_received)
        return mw

    def process_request(self, request: Request) -> None:
        meta = request.meta
        limit = meta.get(LIMIT_KEY) or meta.get("download_maxsize", self.maxsize)
        if limit:
            meta[LIMIT_KEY] = limit
            meta[RECEIVED_KEY] = 0
            meta.pop(CUT_KEY, None)
            meta["download_maxsize"] = 0  # the handler would abort without keeping a byte

    def bytes_received(self, data: bytes, request: Request, **kwargs: Any) -> None:
        """Stop the download once it passes the limit, keeping what arrived."""
        limit = request.meta.get(LIMIT_KEY)
        if not limit or RECEIVED_KEY not in request.meta:
            return
        request.meta[RECEIVED_KEY] += len(data)
        if request.meta[RECEIVED_KEY] > limit:
            request.meta[CUT_KEY] = True
            raise StopDownload(fail=False)

    def _restore(self, request: Request) -> None:
        # Decompression (HttpCompressionMiddleware) bounds itself with the same meta key.
        if LIMIT_KEY in request.meta:
            request.meta["download_maxsize"] = request.meta[LIMIT_KEY]
        request.meta.pop(RECEIVED_KEY, None)

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._restore(request)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        self._restore(request)
        kind = truncation(request, response)
        if kind == TRUNCATED_LENGTH:
            message = (f"{response.url}: body over DOWNLOAD_MAXSIZE ({size_limit(request)} B), "
                       "archived truncated")
            logger.warning("%s", message)
            raise IncompleteResponse(message)
        if kind == TRUNCATED_DISCONNECT:
            reason = f"connection lost after {len(response.body)} B of the body"
            if self.retry and not request.meta.get("dont_retry"):
                assert self.crawler.spider is not None
                retry = get_retry_request(request, spider=self.crawler.spider, reason=reason)
                if retry is not None:
                    return retry
            message = f"{response.url}: {reason}, archived truncated"
            logger.warning("%s", message)
            raise IncompleteResponse(message)
        return response


class BoundedDecompression(HttpCompressionMiddleware):
    """Scrapy's decompression, with bodies that inflate past the limit counted as errors."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("chinareport/errors/decompression_limit")
            raise
