"""Incremental crawls: stored articles are not fetched again, changed ones conditionally, --since."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from archive.reader import read_record
from crawler.frontier.incremental import listing_dates, pagination
from crawler.sample_site import build_site, serve

QUIET = ["-s", "AUTOTHROTTLE_ENABLED=False", "--log-level", "WARNING"]


def crawl(url: str, data: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", url + "/", "--data-dir", str(data), *QUIET,
         *extra],
        check=False, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


def fetched(data: Path, run: int) -> list[tuple[str, int | None, str | None]]:
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT url, status, warc_filename, warc_offset, warc_length FROM fetches "
            "WHERE crawl_run_id = :run"), {"run": run}).all()
    engine.dispose()
    return rows


def sql(data: Path, statement: str, **params: object) -> list:
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    with engine.begin() as conn:
        result = conn.execute(text(statement), params)
        rows = result.all() if result.returns_rows else []
    engine.dispose()
    return rows


def test_listing_dates_and_pagination():
    site = build_site(64)
    html = site.pages["/xiangcun/index_2.html"].body.decode("utf-8")
    dates = listing_dates(html, "http://h/xiangcun/index_2.html")
    assert dates and all(isinstance(d, date) for d in dates.values())
    assert all(urlsplit(u).path in site.truth or urlsplit(u).path in site.broken_paths
               for u in dates)
    pages = pagination(html, "http://h/xiangcun/index_2.html")
    assert pages.next == "http://h/xiangcun/index_3.html"
    assert "http://h/xiangcun/index.html" in pages.links


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    """Crawl an unchanged sample site twice into one data dir."""
    site = build_site(64)
    data = tmp_path_factory.mktemp("incremental")
    with serve(site) as server:
        crawl(server.url, data)
        second = crawl(server.url, data)
        yield {"site": server.site, "url": server.url, "data": data, "second": second,
               "server": server}


def test_second_run_over_an_unchanged_site_fetches_only_listing_pages(twice):
    site = twice["site"]
    paths = [urlsplit(url).path for url, *_ in fetched(twice["data"], 2)]
    expected = {"/robots.txt", "/", *site.listing_paths, *site.not_article_paths}
    assert sorted(paths) == sorted(expected)  # each once, no article page
    assert len(fetched(twice["data"], 1)) > len(site.truth)
    assert sql(twice["data"], "SELECT count(*) FROM articles")[0][0] == len(site.truth)
    assert "0 new, 0 updated, 0 unchanged" in twice["second"].stdout


def test_article_whose_listing_shows_a_newer_date_is_fetched_conditionally(twice):
    data, site = twice["data"], twice["site"]
    path = next(p for p in site.listing_paths if p.endswith("/index.html"))
    html = site.pages[path].body.decode("utf-8")
    target = next(u for u in listing_dates(html, twice["url"] + path)
                  if urlsplit(u).path in site.truth)
    # The stored copy is older than what the listing now shows: the article "changed".
    sql(data, "UPDATE articles SET published = '2001-01-01 00:00:00.000000' WHERE url = :u",
        u=target)
    seen_before = sql(data, "SELECT last_seen FROM articles WHERE url = :u", u=target)[0][0]
    crawl(twice["url"], data)
    run = sql(data, "SELECT max(id) FROM crawl_runs")[0][0]
    rows = [r for r in fetched(data, run) if r[0] == target]
    assert len(rows) == 1
    _url, status, warc_file, offset, length = rows[0]
    assert status == 304  # the server had nothing new: If-None-Match/If-Modified-Since worked
    record = read_record(data / "warc" / warc_file, offset, length)  # a 304 is archived too
    assert record.status == 304 and record.uri == target
    articles = {urlsplit(u).path for u, *_ in fetched(data, run)} & set(site.truth)
    assert articles == {urlsplit(target).path}
    # The 304 confirmed the stored copy: the article was seen again, at the time of that fetch.
    (when,) = sql(data, "SELECT fetched_at FROM fetches WHERE crawl_run_id = :r AND url = :u",
                  r=run, u=target)[0]
    seen_after = sql(data, "SELECT last_seen FROM articles WHERE url = :u", u=target)[0][0]
    assert seen_after == when and seen_after > seen_before


def test_refresh_fetches_every_article_again(twice, tmp_path):
    data = tmp_path / "copy"
    with serve(build_site(64)) as server:
        crawl(server.url, data)
        crawl(server.url, data, "--refresh")
        paths = {urlsplit(u).path for u, *_ in fetched(data, 2)}
        assert set(server.site.truth) <= paths


def test_since_walks_a_channels_listing_pages_until_they_reach_back_past_the_date(tmp_path):
    site = build_site(200)
    # A date inside the second listing page of the longest channel.
    channel = max({p.split("/")[1] for p in site.listing_paths},
                  key=lambda c: sum(p.startswith(f"/{c}/") for p in site.listing_paths))
    page2 = site.pages[f"/{channel}/index_2.html"].body.decode("utf-8")
    since = sorted(listing_dates(page2, "http://h/").values())[3]
    expected_pages: set[str] = set()
    for slug in {p.split("/")[1] for p in site.listing_paths}:
        n = 1
        while f"/{slug}/index{'' if n == 1 else f'_{n}'}.html" in site.pages:
            page = f"/{slug}/index{'' if n == 1 else f'_{n}'}.html"
            expected_pages.add(page)
            dates = listing_dates(site.pages[page].body.decode("utf-8"), "http://h" + page)
            if min(dates.values()) < since:
                break
            n += 1
    with serve(site) as server:
        crawl(server.url, tmp_path, "--since", since.isoformat())
        truth = server.site.truth
    paths = {urlsplit(u).path for u, *_ in fetched(tmp_path, 1)}
    listings = {p for p in paths if p in site.listing_paths}
    assert listings == expected_pages
    assert f"/{channel}/index_3.html" not in paths
    newer = {p for p, t in truth.items() if t["published"][:10] >= since.isoformat()}
    assert newer and newer <= paths
