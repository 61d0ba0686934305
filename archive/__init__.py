"""WARC input and output (warcio only: no Scrapy, no SQLAlchemy): writer, reader, recovery, index."""
