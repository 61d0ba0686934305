"""Spiders of the project (``scrapy crawl chinareport``)."""
