"""chinareport-archive: crawl chinareport-style news sites into SQL and WARC.

The ``crawler`` package holds the Scrapy side (spider, settings, WARC capture),
the pure parser (``crawler.parser``, no Scrapy imports), the bundled sample
site and the command line.
"""

from __future__ import annotations

__version__ = "0.1.0"
