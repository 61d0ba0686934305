"""The benchmark suite: crawl throughput against bare Scrapy and wget, plus the parser, WARC
and database benchmarks of the other packages, in one table (`python -m bench`)."""
