"""ArticleStore on SQLite and PostgreSQL: idempotent upserts, versions, fetches, runs, times."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select, text

from pipelines.db import open_engine
from pipelines.errors import StoreError
from pipelines.models import Article, ArticlePerson, ArticleVersion, Fetch, Person
from pipelines.query import article_versions, get_article, search_articles
from pipelines.store import ArticleStore, StoreItem

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def make_record(n: int = 1, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "url": f"http://www.chinareports.org.cn/xc/2024/0226/{n}.html",
        "title": f"2024年东莞厚街重点发力“三大行动” {n}",
        "published": "2024-02-26T11:33:41+08:00",
        "source": "中国报道",
        "authors": ["黄楚芳"],
        "editors": ["陈伟赞"],
        "channel": "乡村",
        "body": "中国报道讯(黄楚芳 报道)厚街镇推进高质量发展。\n第二段。",
        "images": [{"src": "http://www.chinareports.org.cn/a.jpg", "caption": "厚街"}],
        "status": "ok",
        "parser_version": "1.0",
    }
    record.update(changes)
    return record


@pytest.fixture
def store(db_url: str) -> ArticleStore:
    return ArticleStore(open_engine(db_url))


def count(store: ArticleStore, model: Any) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_new_then_unchanged_only_moves_last_seen(store: ArticleStore) -> None:
    assert store.store_article(make_record(), fetched_at=T0) == "new"
    before = get_article(store.engine, make_record()["url"])
    later = T0 + timedelta(days=1)
    assert store.store_article(make_record(parser_version="1.0"), fetched_at=later) == "unchanged"
    after = get_article(store.engine, make_record()["url"])
    assert before is not None and after is not None
    assert after["last_seen"] == later.isoformat()
    assert after["first_seen"] == before["first_seen"] == T0.isoformat()
    assert after["last_changed"] == T0.isoformat()
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"last_seen"}
    assert count(store, Article) == 1
    assert count(store, ArticleVersion) == 0


def test_a_304_moves_last_seen_and_nothing_else(store: ArticleStore) -> None:
    url = make_record()["url"]
    store.store_article(make_record(), fetched_at=T0)
    before = get_article(store.engine, url)
    later, earlier = T0 + timedelta(days=2), T0 - timedelta(days=1)
    store.record_fetches([
        {"url": url.replace("http://www.", "http://WWW.") + "?utm_source=x", "status": 304,
         "fetched_at": later},
        {"url": url, "status": 304, "fetched_at": earlier},  # older: never moves it back
        {"url": url, "status": 200, "fetched_at": later + timedelta(days=1)},  # not a 304
        {"url": "http://www.chinareports.org.cn/xc/index.html", "status": 304, "fetched_at": later},
    ])
    after = get_article(store.engine, url)
    assert before is not None and after is not None
    assert after["last_seen"] == later.isoformat()
    assert {k for k in after if after[k] != before[k]} == {"last_seen"}
    assert count(store, Article) == 1


def test_changed_content_keeps_previous_state_as_version(store: ArticleStore) -> None:
    store.store_article(make_record(), fetched_at=T0)
    new_body = "中国报道讯 更新后的正文,乡村振兴。"
    outcome = store.store_article(
        make_record(body=new_body, authors=["张三", "李四"]), fetched_at=T0 + timedelta(hours=2)
    )
    assert outcome == "changed"
    article = get_article(store.engine, make_record()["url"])
    assert article is not None
    assert article["body"] == new_body and article["authors"] == ["张三", "李四"]
    versions = article_versions(store.engine, article["id"])
    assert len(versions) == 1
    assert versions[0]["body"] == make_record()["body"]
    assert versions[0]["authors"] == ["黄楚芳"]
    assert versions[0]["replaced_at"] == (T0 + timedelta(hours=2)).isoformat()
    # The search index follows the change: old words gone, new words found.
    assert [r["id"] for r in search_articles(store.engine, "乡村振兴")] == [article["id"]]
    assert search_articles(store.engine, "高质量发展") == []


def test_a_batch_of_changes_is_stored_like_one_at_a_time(store: ArticleStore) -> None:
    later = T0 + timedelta(hours=3)
    store.store_articles([StoreItem(make_record(n), T0) for n in range(1, 5)])
    outcomes = store.store_articles([
        StoreItem(make_record(1, editors=["新编辑"]), later),  # text unchanged
        StoreItem(make_record(2, body="乡村振兴的新正文。"), later),  # text changed
        StoreItem(make_record(3), later),  # unchanged
        StoreItem(make_record(4, editors=["新编辑"], parser_version="2.0"), later),
    ])
    assert outcomes == ["changed", "changed", "unchanged", "changed"]
    records = [get_article(store.engine, make_record(n)["url"]) for n in range(1, 5)]
    assert [r["editors"] for r in records] == [["新编辑"], ["陈伟赞"], ["陈伟赞"], ["新编辑"]]
    assert [r["last_changed"] for r in records] == [
        later.isoformat(), later.isoformat(), T0.isoformat(), later.isoformat()]
    assert {r["last_seen"] for r in records} == {later.isoformat()}
    assert records[3]["parser_version"] == "2.0"
    for record, expected in zip(records, (1, 1, 0, 1), strict=True):
        history = article_versions(store.engine, record["id"])
        assert len(history) == expected
        assert all(v["editors"] == ["陈伟赞"] and v["valid_from"] == T0.isoformat()
                   for v in history)
    # Each article is in the search index once, with its current text.
    ids = [r["id"] for r in records]
    found = search_articles(store.engine, "高质量发展", limit=50)
    assert sorted(r["id"] for r in found) == sorted([ids[0], ids[2], ids[3]])
    assert [r["id"] for r in search_articles(store.engine, "乡村振兴")] == [ids[1]]
    assert len(search_articles(store.engine, "三大行动", limit=50)) == 4


def test_tracking_and_encoding_variants_are_one_row(store: ArticleStore) -> None:
    base = "http://www.chinareports.org.cn/search.html?kw="
    gbk = base + "%BA%F1%BD%D6"  # 厚街 in GBK
    utf8 = "HTTP://WWW.chinareports.org.cn:80/search.html?kw=%E5%8E%9A%E8%A1%97&utm_source=wx#top"
    assert store.store_article(make_record(url=gbk), fetched_at=T0) == "new"
    assert store.store_article(make_record(url=utf8), fetched_at=T0) == "unchanged"
    assert count(store, Article) == 1
    assert store.has_article(base + "厚街")
    assert not store.has_article(base + "乡村")


def test_batch_matches_single_and_reruns_are_idempotent(store: ArticleStore) -> None:
    items = [StoreItem(make_record(n), T0, charset="gb18030", page_count=2) for n in range(1, 31)]
    items.append(StoreItem(make_record(5, title="同一批次中的第二次"), T0 + timedelta(minutes=1)))
    outcomes = store.store_articles(items)
    assert outcomes[:30] == ["new"] * 30 and outcomes[30] == "changed"
    assert store.store_articles(items[:30]) == ["unchanged"] * 4 + ["changed"] + ["unchanged"] * 25
    assert count(store, Article) == 30
    # People rows are shared, article_people rows exact.
    assert count(store, Person) == 2
    assert count(store, ArticlePerson) == 60
    row = get_article(store.engine, 7)
    assert row is not None and row["charset"] == "gb18030" and row["page_count"] == 2


def test_bare_date_round_trips_and_times_are_utc(store: ArticleStore) -> None:
    store.store_article(make_record(1, published="2024-02-26"), fetched_at=T0)
    store.store_article(
        make_record(2, published="2024-02-26T01:30:00+08:00"),
        fetched_at=datetime(2024, 3, 1, 16, 0, tzinfo=timezone(timedelta(hours=8))),
        published_raw="2024年02月26日 01:30",
    )
    first = get_article(store.engine, make_record(1)["url"])
    second = get_article(store.engine, make_record(2)["url"])
    assert first is not None and second is not None
    assert first["published"] == "2024-02-26"
    assert second["published"] == "2024-02-26T01:30:00+08:00"
    assert second["published_raw"] == "2024年02月26日 01:30"
    assert second["first_seen"] == "2024-03-01T08:00:00+00:00"
    with store.engine.connect() as conn:
        stored = conn.execute(select(Article.published).where(Article.id == second["id"])).scalar()
    # The previous day in UTC: the offset was applied, not dropped.
    assert stored == datetime(2024, 2, 25, 17, 30, tzinfo=UTC)


def test_naive_fetch_time_and_bad_date_are_store_errors(store: ArticleStore) -> None:
    with pytest.raises(StoreError, match="time-zone-aware"):
        store.store_article(make_record(), fetched_at=datetime(2024, 3, 1))
    with pytest.raises(StoreError, match="bad published"):
        store.store_article(make_record(published="26/02/2024 soon"), fetched_at=T0)
    assert count(store, Article) == 0


def test_runs_fetches_and_last_capture(store: ArticleStore) -> None:
    run = store.start_run({"start_urls": ["http://www.chinareports.org.cn/"], "max_pages": 5})
    url = make_record()["url"]
    warc = {
        "filename": "CR-20240301-00001.warc.gz",
        "offset": 1234,
        "length": 5678,
        "record_type": "response",
        "payload_digest": "sha1:ABCDEF",
        "warc_date": "2024-03-01T08:00:00.000000Z",
    }
    store.record_fetch(run, url, status=200, warc=warc, fetched_at=T0, etag='"x"')
    store.record_fetch(run, url + "x", status=None, error="DNS lookup failed", error_kind="dns")
    store.record_fetch(
        run,
        url,
        status=200,
        fetched_at=T0 + timedelta(hours=1),
        warc=dict(warc, record_type="revisit", offset=9999),
    )
    assert store.last_capture(url) == ("sha1:ABCDEF", url, "2024-03-01T08:00:00.000000Z")
    assert store.last_capture(url + "?other") is None
    store.finish_run(run, {"pages": 3, "errors": 1}, "finished")
    store.store_article(make_record(), fetched_at=T0)
    article = get_article(store.engine, url)
    assert article is not None
    assert article["warc"]["filename"] == warc["filename"] and article["warc"]["offset"] == 1234
    with store.engine.connect() as conn:
        kinds = conn.execute(select(Fetch.error_kind).where(Fetch.status.is_(None))).scalars().all()
    assert kinds == ["dns"]


def test_failed_batch_writes_nothing(store: ArticleStore) -> None:
    items = [StoreItem(make_record(1), T0), StoreItem(make_record(2, published="garbage"), T0)]
    with pytest.raises(StoreError):
        store.store_articles(items)
    assert count(store, Article) == 0
    # The name cache was not poisoned by the failed batch.
    assert store.store_articles([items[0]]) == ["new"]
    assert get_article(store.engine, 1)["authors"] == ["黄楚芳"]  # type: ignore[index]


def test_reader_never_sees_half_an_article(sqlite_url: str) -> None:
    store = ArticleStore(open_engine(sqlite_url))
    reader = open_engine(sqlite_url)
    problems: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            for record in search_articles(reader, limit=None):
                if record["authors"] != ["黄楚芳"] or record["channel"] != "乡村":
                    problems.append(repr(record)[:200])

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for batch in range(10):
            store.store_articles([StoreItem(make_record(batch * 20 + n), T0) for n in range(20)])
    finally:
        done.set()
        thread.join()
    assert problems == []
    assert count(store, Article) == 200


def test_open_engine_errors_are_one_line(tmp_path: Any) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create database folder"):
        open_engine(f"sqlite:///{blocker}/sub/articles.db")
    with pytest.raises(StoreError, match="cannot open database") as info:
        open_engine("postgresql://nobody@127.0.0.1:1/nothing")
    assert "\n" not in str(info.value)


def test_sqlite_is_wal_with_foreign_keys(sqlite_url: str) -> None:
    engine = open_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
