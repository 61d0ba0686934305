"""`scrapy crawl chinareport` from the repository root runs the same pipeline as the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from crawler.sample_site import build_site, serve

ROOT = Path(__file__).resolve().parents[1]


def scrapy_crawl(url: str, data: Path) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl chinareport`` from the repository root into ``data``."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "chinareport",
         "-a", f"start_urls={url}/",
         "-s", f"CHINAREPORT_DATA_DIR={data}",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, check=False, capture_output=True, text=True, timeout=300,
    )


def test_scrapy_crawl_from_the_repository_root_stores_and_archives(tmp_path):
    site = build_site()
    data = tmp_path / "data"
    with serve(site) as server:
        result = scrapy_crawl(server.url, data)
    assert result.returncode == 0, result.stderr[-3000:]
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM articles WHERE status = 'ok'"))
        assert stored.scalar_one() == len(site.truth)
        fetches = conn.execute(text("SELECT count(*) FROM fetches WHERE warc_filename IS NOT NULL"))
        assert fetches.scalar_one() > len(site.truth)
    assert list((data / "warc").glob("*.warc.gz"))
    assert not list((data / "warc").glob("*.open"))


def test_scrapy_crawl_takes_the_crawl_lock(tmp_path):
    from crawler.jobs.lock import CrawlLock

    site = build_site()
    data = tmp_path / "data"
    data.mkdir()
    with serve(site) as server, CrawlLock(f"sqlite:///{data / 'articles.db'}", data):
        result = scrapy_crawl(server.url, data)
    # The holder is named in one line; nothing was fetched, archived or stored.
    assert "another crawl is running" in result.stderr and "not crawling" in result.stderr
    assert "chinareport crawl (pid" in result.stderr and "Traceback" not in result.stderr
    assert not (data / "warc").exists() and not (data / "articles.db").exists()
