"""Memory on long crawls (issue 6): peak RSS of `chinareport crawl` on 1,000- and 10,000-article
sites, and the growth for 10x the pages (target < 1.5x).

The seen-URL set, Scrapy's duplicate filter and the request queue all live on disk (a
temporary job dir), so memory should not grow with the crawl. The crawls run through the
suite's crawl benchmark (`bench.crawl_bench.run_memory`: nginx-served static site, peak
RSS of the whole process tree). ``quick`` measures 100 and 1,000 articles instead.
"""

from __future__ import annotations

import logging
import sys

from bench.common import Row, format_table

logger = logging.getLogger(__name__)


def run(quick: bool = False) -> list[dict]:
    """Peak RSS rows for the two site sizes and the growth ratio between them."""
    from bench.crawl_bench import Options, run_memory

    sizes = (100, 1000) if quick else (1000, 10000)
    rows: list[Row]
    rows, _meta = run_memory(Options(runs=1), sizes)
    return rows


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    print(format_table(run(quick="--quick" in sys.argv)))
