"""End to end: a real crawl of the bundled sample site, in a subprocess, into SQLite and WARC."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import create_engine, text
from warcio.archiveiterator import ArchiveIterator

from archive.reader import read_record
from crawler.sample_site import build_site, serve

FIELDS = ("title", "published", "source", "authors", "editors", "channel", "body")


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `chinareport ARGS` in a fresh interpreter, as a user would."""
    result = subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        check=False, capture_output=True, text=True, timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def site():
    return build_site()


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """Crawl the sample site twice into the same data dir; keep both runs' output."""
    data = tmp_path_factory.mktemp("data")
    with serve(site) as server:
        first = run_cli("crawl", server.url, "--data-dir", str(data), "-s",
                        "AUTOTHROTTLE_ENABLED=False")
        rows_after_first = _articles(data)
        # --refresh: fetch every page again (an incremental run would skip stored articles).
        second = run_cli("crawl", server.url, "--refresh", "--data-dir", str(data), "-s",
                         "AUTOTHROTTLE_ENABLED=False")
        return {"data": data, "url": server.url, "served": server.site,
                "first": first, "second": second,
                "rows_after_first": rows_after_first}


def _engine(data: Path):
    return create_engine(f"sqlite:///{data / 'articles.db'}")


def _articles(data: Path) -> list[dict]:
    result = run_cli("query", "--data-dir", str(data), "--format", "jsonl", "--limit", "100000")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_every_published_article_is_stored_exactly(site, crawled):
    stored = {urlsplit(a["url"]).path: a for a in crawled["rows_after_first"]}
    for path, truth in site.truth.items():
        assert path in stored, f"article {path} was not stored"
        record = stored[path]
        for field in FIELDS:
            assert record[field] == truth[field], (path, field, record[field], truth[field])
        expected_images = [
            {"src": urljoin(crawled["url"], image["src"]), "caption": image["caption"]}
            for image in truth["images"]
        ]
        assert record["images"] == expected_images, path
        assert record["status"] == "ok", path


def test_disallowed_broken_and_non_article_pages_are_not_articles(site, crawled):
    paths = {urlsplit(a["url"]).path for a in crawled["rows_after_first"]}
    for path in [*site.disallowed_paths, *site.broken_paths, *site.not_article_paths]:
        assert path not in paths
    assert len(paths) == len(site.truth)


def test_robots_disallowed_page_is_never_fetched(site, crawled):
    with _engine(crawled["data"]).connect() as conn:
        urls = {urlsplit(u).path for (u,) in conn.execute(text("SELECT url FROM fetches"))}
    assert "/robots.txt" in urls
    for path in site.disallowed_paths:
        assert path not in urls


def test_two_page_article_is_one_record(site, crawled):
    multi = {p: t for p, t in site.truth.items() if t["page_count"] > 1}
    assert multi, "the sample site has a multi-page article"
    stored = {urlsplit(a["url"]).path: a for a in crawled["rows_after_first"]}
    for path, truth in multi.items():
        assert stored[path]["body"] == truth["body"]
        continuation = path.rsplit(".", 1)[0] + "_2." + path.rsplit(".", 1)[1]
        assert continuation not in stored


def test_second_crawl_leaves_one_row_per_article(site, crawled):
    with _engine(crawled["data"]).connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
        canon = conn.execute(text("SELECT count(DISTINCT canonical_url) FROM articles")).scalar_one()
        runs = conn.execute(text("SELECT count(*) FROM crawl_runs WHERE outcome = 'finished'"))
    assert count == canon == len(site.truth)
    assert runs.scalar_one() == 2
    assert f"0 new, 0 updated, {len(site.truth)} unchanged" in crawled["second"].stdout


def test_every_fetch_locator_reads_back_what_the_server_sent(site, crawled):
    data = crawled["data"]
    with _engine(data).connect() as conn:
        rows = conn.execute(text(
            "SELECT url, status, warc_filename, warc_offset, warc_length, warc_record_type "
            "FROM fetches WHERE crawl_run_id = (SELECT min(id) FROM crawl_runs)"
        )).all()
    assert len(rows) > len(site.truth)
    for url, status, filename, offset, length, record_type in rows:
        assert filename, f"fetch of {url} has no WARC locator"
        record = read_record(data / "warc" / filename, offset, length)
        assert record.uri == url
        assert record.status == status
        assert record_type == "response"
        parts = urlsplit(url)
        page = crawled["served"].pages.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if page is not None and status == page.status and status == 200:
            assert record.body == page.body, url


def test_gzip_responses_are_stored_gzip_with_content_encoding(crawled):
    gzipped = 0
    for path in sorted((crawled["data"] / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                encoding = record.http_headers.get_header("Content-Encoding")
                raw = record.raw_stream.read()
                if encoding == "gzip":
                    gzipped += 1
                    assert raw[:2] == b"\x1f\x8b"
                    gzip.decompress(raw)
                    assert int(record.http_headers.get_header("Content-Length")) == len(raw)
                assert record.http_headers.get_header("Transfer-Encoding") is None
    assert gzipped > 10


def test_warcio_check_passes_on_every_file(crawled):
    files = sorted((crawled["data"] / "warc").glob("*.warc.gz"))
    assert files and not list((crawled["data"] / "warc").glob("*.open"))
    warcio = str(Path(sys.executable).parent / "warcio")
    result = subprocess.run([warcio, "check", "-v", *map(str, files)],
                            check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_summary_is_printed(site, crawled):
    out = crawled["first"].stdout
    assert f"{len(site.truth)} new" in out
    assert "WARC files:" in out and "pages fetched:" in out
