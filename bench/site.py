"""The benchmark site on disk: a deterministic chinareport-style site generated with
`crawler.sample_site.build_site` and written as static files for nginx to serve."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

LINKS_PER_PAGE = 43
PAGE_SUFFIXES = {".html", ".htm", ".shtml"}


def write_site(articles: int, directory: Path, base_url: str) -> Path:
    """Generate a site of ``articles`` articles into ``directory`` (emptied first).

    ``base_url`` is where it will be served: robots.txt and sitemap.xml carry absolute URLs.
    """
    from crawler.sample_site import build_site

    if directory.exists():
        shutil.rmtree(directory)
    site = build_site(articles, links_per_page=LINKS_PER_PAGE).with_base_url(base_url)
    site.write_to(directory)
    return directory


def page_stats(directory: Path) -> dict[str, float]:
    """Page count, mean page size and the share of GBK pages: is the site as described?"""
    sizes, gbk = [], 0
    for path in directory.rglob("*"):
        if path.suffix not in PAGE_SUFFIXES:
            continue
        data = path.read_bytes()
        sizes.append(len(data))
        head = data[:2048].lower()
        gbk += b"gbk" in head or b"gb2312" in head or b"gb18030" in head
    return {
        "pages": len(sizes),
        "mean_kb": round(sum(sizes) / max(len(sizes), 1) / 1024, 2),
        "gbk_share": round(gbk / max(len(sizes), 1), 3),
    }
