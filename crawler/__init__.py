"""chinareport-archive: crawl chinareport-style news sites into SQL and WARC.

The ``crawler`` package holds the Scrapy side (spider, settings, WARC capture),
the pure parser (``crawler.parser``, no Scrapy imports), the bundled sample
site and the command line.
"""

from __future__ import annotations

import os

from crawler import _moved

__version__ = "0.1.0"

# Scrapy's cookie middleware builds a tldextract instance at import time, which fetches
# the Public Suffix List from the internet on first use (a traceback when offline, and
# traffic the user never asked for). Empty means: use the snapshot tldextract ships.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

# Modules that moved into folders answer to their old paths, with a warning, for one release.
_moved.install()
