"""Scrapy settings of the project: archival-friendly defaults for `scrapy crawl chinareport`.

The command line (`chinareport crawl`) starts from these and overrides the data
locations and anything given with ``-s NAME=VALUE``.
"""

from __future__ import annotations

import os

from crawler import __version__

BOT_NAME = "chinareport"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = (
    f"chinareport-archive/{__version__} (+https://pypi.org/project/chinareport-archive/; "
    "archival crawler)"
)
ROBOTSTXT_OBEY = True

# Where the crawl keeps its data (the CLI sets these from --data-dir/--db).
CHINAREPORT_DATA_DIR = os.environ.get("CHINAREPORT_DATA_DIR", "data")
CHINAREPORT_DB = os.environ.get("CHINAREPORT_DB", "")  # empty: sqlite:///DATA_DIR/articles.db
WARC_ENABLED = True
WARC_DIR = ""  # empty: DATA_DIR/warc
WARC_MAX_SIZE = 1 << 30

# The real 中国报道 site: home and channel pages (override with start URLs on the
# command line or this setting).
CHINAREPORT_START_URLS = [
    "http://www.chinareports.org.cn/",
    "http://www.chinareports.org.cn/szyw/",
    "http://www.chinareports.org.cn/xc/",
    "http://www.chinareports.org.cn/jj/",
]

# Archival fidelity: Scrapy 2.18+ also asks for br and zstd, which warcio cannot
# decode with Google's brotli and replay tools serve raw.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
    "Accept-Encoding": "gzip, deflate",
}

# Politeness for real sites; the demo switches AutoThrottle off.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
# Outputs of one callback processed at once. Scrapy's 100 starts 100 asyncio tasks per page
# (about a third of the reactor thread's time); the spider yields one or two outputs a page
# and the item pipeline does not wait on anything.
CONCURRENT_ITEMS = 4
# Response bytes waiting for their callback (Scrapy: 5 MB). The parse worker is the slower
# side: a longer queue in front of it only holds pages in memory (about 25 MB more at 5 MB).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = 2
# A 429/503 with Retry-After is retried after that wait, never longer than this (seconds).
RETRY_AFTER_MAX = 60
REDIRECT_MAX_TIMES = 10
# A cut-off body reaches crawler.downloadermiddlewares.incomplete, which archives it truncated
# and retries it.
DOWNLOAD_FAIL_ON_DATALOSS = False

# Off unless asked for: a remote-control HTTP server (Scrapy 2.19) and telnet.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# `scrapy crawl` and Scrapyd start without the chinareport commands, so the crawl session takes
# the crawl lock and repairs a killed crawl itself, through this function of the jobs layer.
CHINAREPORT_LOCK_AND_REPAIR = "crawler.jobs.resume.lock_and_repair"

EXTENSIONS = {
    "crawler.extensions.session.CrawlSession": 10,
    "crawler.extensions.warc_capture.WarcCapture": 20,
    # Off unless the command line watches the crawl (CHINAREPORT_PROGRESS).
    "crawler.extensions.progress.ProgressReport": 30,
}
DOWNLOADER_MIDDLEWARES = {
    # Closest to the downloader: sees every attempt, before decompression and retries.
    "crawler.downloadermiddlewares.fetch_log.FetchLogMiddleware": 950,
    # Just after it: keeps the prefix of bodies over DOWNLOAD_MAXSIZE or cut by a reset.
    "crawler.downloadermiddlewares.incomplete.IncompleteResponseMiddleware": 940,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.downloadermiddlewares.incomplete.BoundedDecompression": 590,
    # Before decompression on the way back: no charset guess over compressed bytes.
    "crawler.downloadermiddlewares.encoded_body.EncodedBodyMiddleware": 595,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.downloadermiddlewares.retry_after.RetryAfterMiddleware": 550,
    # Before anything is sent: a redirect to a stored, unchanged article is not fetched again.
    "crawler.downloadermiddlewares.redirect_policy.RedirectPolicyMiddleware": 560,
    # Closest to the engine: sees each start page's outcome after retries, redirects, robots.txt.
    "crawler.downloadermiddlewares.start_pages.StartPagesMiddleware": 40,
}
ITEM_PIPELINES = {
    "crawler.item_pipelines.StorePipeline": 300,
}

# The spider filters its links through an on-disk seen set (crawler.frontier.seen); Scrapy's own
# duplicate filter keeps its fingerprints on disk too, so memory stays flat on long crawls.
DUPEFILTER_CLASS = "crawler.frontier.seen.DiskDupeFilter"

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
