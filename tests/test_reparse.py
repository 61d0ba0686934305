"""Re-parse: the database rebuilt from the WARC files alone, offline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from crawler.parser import PARSER_VERSION
from crawler.sample_site import build_site, serve
from pipelines.db import open_engine
from pipelines.query import get_article
from pipelines.store import ArticleStore


def chinareport(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "crawler", *args], check=False, capture_output=True,
                            text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def dump(data: Path) -> list[dict]:
    out = chinareport("query", "--data-dir", str(data), "--format", "jsonl", "--limit", "100000")
    records = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    for record in records:
        record.pop("id", None)
    return sorted(records, key=lambda r: r["url"])


@pytest.fixture(scope="module")
def site():
    return build_site()


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """A data dir holding one crawl of the sample site, and the records it stored."""
    data = tmp_path_factory.mktemp("crawled")
    with serve(site) as server:
        chinareport("crawl", server.url, "--data-dir", str(data), "-s",
                    "AUTOTHROTTLE_ENABLED=False")
    return data, dump(data)


@pytest.fixture
def data(crawled, tmp_path):
    """A private copy of the crawled data dir."""
    copy = tmp_path / "data"
    shutil.copytree(crawled[0], copy)
    return copy


@pytest.mark.parametrize("workers", ["1", "2"])
def test_reparse_rebuilds_the_same_records_from_warcs_alone(crawled, data, workers, site):
    (data / "articles.db").unlink()
    for leftover in data.glob("articles.db-*"):
        leftover.unlink()
    result = chinareport("reparse", "--data-dir", str(data), "--workers", workers)
    assert f"{len(site.truth)} new, 0 changed, 0 unchanged" in result.stdout
    assert dump(data) == crawled[1]


def test_reparse_with_the_same_parser_changes_nothing(crawled, data, site):
    result = chinareport("reparse", "--data-dir", str(data))
    assert f"0 new, 0 changed, {len(site.truth)} unchanged" in result.stdout
    assert "fields changed" not in result.stdout
    assert dump(data) == crawled[1]


def test_reparse_of_unchanged_articles_still_moves_seen_times_and_parser_version(crawled, data,
                                                                                site):
    import sqlite3

    with sqlite3.connect(data / "articles.db") as conn:
        captured = dict(conn.execute("SELECT url, first_seen FROM articles"))
        # As if the database had first seen them later, the first two with an older parser.
        conn.execute("UPDATE articles SET first_seen = '2099-01-01 00:00:00.000000', "
                     "last_seen = '2099-01-01 00:00:00.000000'")
        conn.execute("UPDATE articles SET parser_version = '0.9' WHERE id <= 2")
    conn.close()
    result = chinareport("reparse", "--data-dir", str(data))
    assert f"0 new, 0 changed, {len(site.truth)} unchanged" in result.stdout
    with sqlite3.connect(data / "articles.db") as conn:
        assert dict(conn.execute("SELECT url, first_seen FROM articles")) == captured
        assert {v for (v,) in conn.execute("SELECT parser_version FROM articles")} == {
            PARSER_VERSION}
    conn.close()


def _store_as_older_parser(data: Path, records: list[dict], count: int) -> list[dict]:
    """Overwrite ``count`` articles as an older parser version would have stored them."""
    engine = open_engine(f"sqlite:///{data / 'articles.db'}")
    store = ArticleStore(engine)
    older = []
    for record in records[:count]:
        # Same capture (same time), other content: what the older parser made of it.
        seen = get_article(engine, record["url"])["last_seen"]
        stale = dict(record, title=record["title"] + "_旧版", parser_version="0.0.1")
        store.store_article(stale, fetched_at=datetime.fromisoformat(str(seen)))
        older.append(stale)
    return older


def test_reparse_after_a_parser_change_updates_rows_and_keeps_history(crawled, data):
    older = _store_as_older_parser(data, crawled[1], 5)
    result = chinareport("reparse", "--data-dir", str(data))
    assert "5 changed" in result.stdout
    assert "title on 5" in result.stdout
    after = dump(data)
    assert after == crawled[1]
    assert {r["parser_version"] for r in after} == {PARSER_VERSION}
    versions = chinareport("show", older[0]["url"], "--versions", "--data-dir", str(data))
    history = [json.loads(line) for line in versions.stdout.splitlines()]
    assert any("_旧版" in json.dumps(v, ensure_ascii=False) for v in history)


def test_dry_run_reports_without_writing(crawled, data):
    _store_as_older_parser(data, crawled[1], 3)
    before = dump(data)
    result = chinareport("reparse", "--data-dir", str(data), "--dry-run")
    assert "3 changed" in result.stdout and "would be" in result.stdout
    assert dump(data) == before


def test_a_corrupt_warc_is_reported_and_the_others_still_processed(crawled, data, site):
    (data / "articles.db").unlink()
    good = sorted((data / "warc").glob("*.warc.gz"))
    bad = data / "warc" / "zz-broken.warc.gz"
    raw = good[0].read_bytes()
    bad.write_bytes(raw[: len(raw) // 2])  # cut mid-record
    result = chinareport("reparse", "--data-dir", str(data), check=False)
    assert result.returncode != 0
    assert "zz-broken.warc.gz" in result.stderr and "offset" in result.stderr
    assert "Traceback" not in result.stderr
    assert f"{len(site.truth)} new" in result.stdout


def test_show_raw_prints_the_archived_response(crawled, data):
    record = crawled[1][0]
    result = subprocess.run([sys.executable, "-m", "crawler", "show", record["url"], "--raw",
                             "--data-dir", str(data)], check=False, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"Content-Type" in head
    charset = "gb18030" if b"gb2312" in head.lower() or b"gbk" in head.lower() else "utf-8"
    assert record["title"] in body.decode(charset, "replace")
