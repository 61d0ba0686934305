"""Scrapy extension archiving every downloaded response, as it came off the wire, into WARC files."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from archive.errors import ArchiveError
from archive.recovery import recover_directory
from archive.writer import WarcLocator, WarcWriter, reason_phrase
from crawler.downloadermiddlewares.incomplete import TRUNCATED_LENGTH, size_limit, truncation

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

PreviousCapture = Callable[[str], "tuple[str, str, str] | None"]
WRITE_ERROR_REASON = "warc_write_error"


def _pairs(headers: Any) -> list[tuple[str, str]]:
    # getlist() keeps every value of repeated headers (Set-Cookie twice stays twice).
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name in headers
        for value in headers.getlist(name)
    ]


class WarcCapture:
    """Writes a request and a response (or revisit) record for each downloaded response."""

    def __init__(self, crawler: Crawler, writer: WarcWriter) -> None:
        self.crawler = crawler
        self.writer = writer
        self._written: dict[str, tuple[str, str, str]] = {}
        self.previous_capture: PreviousCapture = self._written.get
        self.failed = False
        self._files: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCapture:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        # `scrapy crawl` sets no WARC_DIR: archive into the data dir as the CLI does.
        directory = settings.get("WARC_DIR") or str(
            Path(settings.get("CHINAREPORT_DATA_DIR") or "data") / "warc"
        )
        writer = WarcWriter(
            Path(directory),
            max_size=settings.getint("WARC_MAX_SIZE", 1 << 30),
            user_agent=settings.get("USER_AGENT"),
            robots="obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        )
        ext = cls(crawler, writer)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        return ext

    def spider_opened(self) -> None:
        for report in recover_directory(self.writer.directory):
            self.crawler.stats.inc_value("warc/recovered_files")
            self.crawler.stats.inc_value("warc/recovered_records", report.records_kept)
            logger.warning("Closed a WARC left open by an earlier crawl: %s", report.describe())

    def spider_closed(self) -> None:
        try:
            self.writer.close()
        except ArchiveError as exc:
            logger.error("Could not close the WARC file: %s", exc)
        self.crawler.stats.set_value("warc/files", len(self.writer.files_written))
        self.crawler.stats.set_value("warc/bytes_written", self.writer.bytes_written)

    def response_downloaded(self, response: Response, request: Request) -> None:
        """Archive the exchange synchronously: later middlewares mutate these headers and body."""
        if self.failed or not response.url.startswith(("http://", "https://")):
            return
        url = request.url
        body = response.body
        truncated = truncation(request, response)
        if truncated == TRUNCATED_LENGTH:
            body = body[: size_limit(request)]  # the last chunk may have crossed the limit
        try:
            locator = self.writer.write_exchange(
                url=url,
                method=request.method,
                request_headers=_pairs(request.headers),
                request_body=request.body,
                protocol=response.protocol or "HTTP/1.1",
                status=response.status,
                reason=reason_phrase(response.status),
                response_headers=_pairs(response.headers),
                body=body,
                ip_address=str(response.ip_address) if response.ip_address else None,
                truncated=truncated,
                revisit_of=self.previous_capture(url),
            )
        except (ArchiveError, OSError) as exc:
            self._fail(exc)
            return
        stats = self.crawler.stats
        stats.inc_value(f"warc/records/{locator.record_type}")
        # Kept current, not only at the close: the crawl session records the run's counts first.
        self._files.add(locator.filename)
        stats.set_value("warc/files", len(self._files))
        stats.set_value("warc/bytes_written", self.writer.bytes_written)
        if locator.record_type == "response":
            self._written[url] = (locator.payload_digest, url, locator.warc_date)
        request.meta["warc"] = locator.as_dict()

    def _fail(self, exc: Exception) -> None:
        # Losing records silently would break the archive's promise: stop the crawl instead.
        self.failed = True
        self.crawler.stats.inc_value("warc/write_errors")
        # The runner's summary reads this key: the user learns which folder and why.
        self.crawler.stats.set_value("chinareport/warc_error", str(exc))
        logger.error("WARC write failed, closing the spider: %s", exc)
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=WRITE_ERROR_REASON))


def locator_of(request: Request) -> WarcLocator | None:
    """The WARC locator the extension stored for a request, if any."""
    data = request.meta.get("warc")
    return WarcLocator.from_dict(data) if data else None
