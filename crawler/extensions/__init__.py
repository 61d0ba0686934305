"""Scrapy extensions: WARC capture and the crawl session (the crawl's link to the database)."""
