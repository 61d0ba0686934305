"""search_articles and friends on SQLite and PostgreSQL: Chinese keywords, filters, ranking, safety."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from pipelines.db import open_engine
from pipelines.errors import StoreError
from pipelines.query import get_article, search_articles, stats
from pipelines.store import ArticleStore, StoreItem

SEEN = datetime(2024, 3, 1, tzinfo=UTC)

# (n, title, published, channel, source, authors, editors, body, status)
ROWS = [
    (
        1,
        "东莞厚街重点发力",
        "2024-02-26T11:33:41+08:00",
        "乡村",
        "中国报道",
        ["黄楚芳"],
        ["陈伟赞"],
        "厚街镇推进高质量发展。",
        "ok",
    ),
    (
        2,
        "乡村振兴新路径",
        "2024-02-27T09:00:00+08:00",
        "乡村",
        "新华社",
        ["张三", "李四"],
        ["王五"],
        "东莞厚街的村民说,高质量发展带来了变化。",
        "ok",
    ),
    (
        3,
        "高质量发展的厚街答卷",
        "2024-01-05",
        "经济",
        "中国报道",
        ["李四"],
        [],
        "全文讨论产业升级。",
        "ok",
    ),
    (
        4,
        "城市更新",
        "2024-03-10T20:15:00+08:00",
        "城市",
        "人民网",
        ["赵六"],
        ["陈伟赞"],
        "高质量 发展被空格隔开,不应匹配;厚 街也不应匹配。",
        "partial",
    ),
    (5, "关于我们", None, None, None, [], [], "厚街 关于我们页面", "not_article"),
    (
        6,
        "特殊字符 100%_done '; DROP TABLE articles; --",
        "2023-12-31T23:59:00+08:00",
        "经济",
        "100% 来源_x",
        ["O'Brien"],
        [],
        "厚街 percent % underscore _ 内容",
        "ok",
    ),
]


def record(row: tuple[Any, ...]) -> dict[str, Any]:
    n, title, published, channel, source, authors, editors, body, status = row
    rec = {
        "url": f"http://www.chinareports.org.cn/a/{n}.html",
        "title": title,
        "published": published,
        "source": source,
        "authors": authors,
        "editors": editors,
        "channel": channel,
        "body": body,
        "images": [],
        "status": status,
        "parser_version": "1",
    }
    if status == "partial":
        rec["missing"] = ["images"]
    return rec


def titles(results: list[dict[str, Any]]) -> list[int]:
    return [int(r["url"].rsplit("/", 1)[1].split(".")[0]) for r in results]


@pytest.fixture
def engine(db_url: str) -> Any:
    engine = open_engine(db_url)
    items = [StoreItem(record(row), SEEN) for row in ROWS]
    random.Random(4).shuffle(items)  # storage order must not decide the ranking
    ArticleStore(engine).store_articles(items)
    return engine


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("厚街", [1, 3, 2, 6]),  # title hits first (newest first), then body hits
        ("高质量发展", [3, 2, 1]),
        ("乡村", [2]),
        ("厚街 高质量发展", [3, 2, 1]),
        ("发力", [1]),
        ("percent", [6]),
        ("东莞厚街", [1, 2]),
        ("厚街镇推进", [1]),
        ("不存在的词", []),
    ],
)
def test_keyword_search_is_exact_and_ranked(engine: Any, query: str, expected: list[int]) -> None:
    assert titles(search_articles(engine, query)) == expected


def test_single_character_falls_back_to_a_scan(engine: Any) -> None:
    assert titles(search_articles(engine, "街")) == [1, 3, 4, 2, 6]


def test_filters(engine: Any) -> None:
    assert titles(search_articles(engine, author="李四")) == [2, 3]
    assert titles(search_articles(engine, editor="陈伟赞")) == [4, 1]
    assert titles(search_articles(engine, source="中国报道")) == [1, 3]
    assert titles(search_articles(engine, channel="乡村")) == [2, 1]
    assert titles(search_articles(engine, since="2024-02-27")) == [4, 2]
    assert titles(search_articles(engine, until="2024-01-05")) == [3, 6]
    assert titles(
        search_articles(engine, since="2024-02-26T12:00:00+08:00", until="2024-02-27")
    ) == [2]
    assert titles(search_articles(engine, status="partial")) == [4]
    assert titles(search_articles(engine, status="not_article")) == [5]
    assert titles(search_articles(engine, "厚街", channel="乡村", author="黄楚芳")) == [1]
    assert titles(search_articles(engine, limit=2, offset=1)) == [2, 1]


def test_default_listing_hides_non_articles_and_renders_dates(engine: Any) -> None:
    results = search_articles(engine)
    assert titles(results) == [4, 2, 1, 3, 6]
    by_n = dict(zip(titles(results), results, strict=True))
    assert by_n[1]["published"] == "2024-02-26T11:33:41+08:00"
    assert by_n[3]["published"] == "2024-01-05"
    assert by_n[4]["missing"] == ["images"]
    assert by_n[2]["authors"] == ["张三", "李四"]
    assert set(by_n[1]) == {
        "id",
        "url",
        "title",
        "published",
        "source",
        "authors",
        "editors",
        "channel",
        "body",
        "images",
        "status",
        "parser_version",
    }


@pytest.mark.parametrize(
    "hostile", ["'; DROP TABLE articles; --", "%", "_", "100%", "来源_x", "O'Brien"]
)
def test_every_filter_is_a_bound_parameter(engine: Any, hostile: str) -> None:
    for key in ("author", "editor", "source", "channel"):
        found = search_articles(engine, **{key: hostile})
        assert all(hostile in str(r.get(key + "s", r.get(key))) for r in found)
    assert len(search_articles(engine, hostile)) <= 1
    with pytest.raises(StoreError, match="bad date"):
        search_articles(engine, since=hostile)
    assert len(search_articles(engine, limit=None)) == 5  # nothing was dropped


def test_hostile_values_match_only_literally(engine: Any) -> None:
    assert titles(search_articles(engine, source="100% 来源_x")) == [6]
    assert titles(search_articles(engine, author="O'Brien")) == [6]
    assert search_articles(engine, source="%") == []
    assert search_articles(engine, source="_") == []
    assert titles(search_articles(engine, "%")) == [6]
    assert titles(search_articles(engine, "_")) == [6]


def test_get_article_by_id_and_url(engine: Any) -> None:
    first = search_articles(engine, "发力")[0]
    by_id = get_article(engine, first["id"])
    by_url = get_article(engine, "HTTP://www.chinareports.org.cn/a/1.html?utm_source=x#top")
    assert by_id is not None and by_url is not None
    assert by_id["id"] == by_url["id"] == first["id"]
    assert by_id["warc"] is None
    assert get_article(engine, "http://nowhere.example/") is None
    assert get_article(engine, 99999) is None


def test_stats_counts(engine: Any) -> None:
    store = ArticleStore(engine)
    run = store.start_run({"demo": True})
    store.record_fetch(
        run, "http://www.chinareports.org.cn/x", status=None, error="timeout", error_kind="timeout"
    )
    store.record_fetch(run, "http://www.chinareports.org.cn/y", status=404)
    store.finish_run(run, {"pages": 2}, "finished")
    result = stats(engine)
    assert result["articles"] == 6
    assert result["by_status"] == {"ok": 4, "partial": 1, "not_article": 1}
    assert {"site": "www.chinareports.org.cn", "channel": "乡村", "articles": 2} in result[
        "by_channel"
    ]
    assert {"source": "中国报道", "articles": 2} in result["by_source"]
    assert result["fetch_errors"] == {"timeout": 1}
    assert result["http_errors"] == {"404": 1}
    assert result["runs"][0]["outcome"] == "finished" and result["runs"][0]["counts"] == {
        "pages": 2
    }


@pytest.mark.postgres
def test_same_results_on_both_databases(sqlite_url: str, pg_url: str) -> None:
    rng = random.Random(7)
    words = ["厚街", "乡村", "高质量发展", "振兴", "东莞", "产业", "发展", "改革"]
    filler = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    items = []
    for n in range(300):
        body = "".join(rng.choice(filler) for _ in range(200)) + rng.choice(words)
        title = rng.choice(words) + "".join(rng.choice(filler) for _ in range(8))
        rec = record(
            (
                n,
                title,
                f"2024-01-{1 + n % 28:02d}T10:{n % 60:02d}:00+08:00",
                "乡村",
                "中国报道",
                ["张三"],
                [],
                body,
                "ok",
            )
        )
        items.append(StoreItem(rec, SEEN))
    engines = [open_engine(sqlite_url), open_engine(pg_url)]
    for engine in engines:
        ArticleStore(engine).store_articles(items)
    for word in words + ["的一", "厚街 发展", "国我以要"]:
        lite, pg = (titles(search_articles(e, word, limit=None)) for e in engines)
        assert lite == pg, word
        assert set(lite) == {
            int(i.record["url"].rsplit("/", 1)[1].split(".")[0])
            for i in items
            if all(w in i.record["title"] or w in i.record["body"] for w in word.split())
        }


def _filler(n: int, seed: int) -> str:
    """``n`` Han characters that never contain the searched words (their first characters)."""
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 400)]
    return "".join(random.Random(seed).choice(chars) for _ in range(n))


def test_a_long_body_is_searchable_to_its_end(db_url: str) -> None:
    # PostgreSQL keeps tsvector positions up to 16,383 only: without parts, a phrase 20,000
    # characters in, or one across the seam of two parts, would never match.
    from pipelines.search import PG_PART_OVERLAP, PG_PART_TOKENS

    engine = open_engine(db_url)
    store = ArticleStore(engine)
    seam = PG_PART_TOKENS - PG_PART_OVERLAP // 2  # inside the overlap of parts 0 and 1
    bodies = {
        "end": _filler(40_000, 1) + "高质量发展",
        "seam": _filler(seam, 2) + "乡村振兴" + _filler(10_000, 3),
        "split": "厚街镇" + _filler(30_000, 4) + "高质量发展",
        "short": "高质量发展" + _filler(50, 5),
    }
    for name, body in bodies.items():
        store.store_article({"url": f"http://www.chinareports.org.cn/long/{name}.html",
                             "title": name, "body": body, "status": "ok"}, fetched_at=SEEN)

    def found(query: str) -> set[str]:
        return {r["title"] for r in search_articles(engine, query, limit=10)}

    assert found("高质量发展") == {"end", "split", "short"}
    assert found("乡村振兴") == {"seam"}
    assert found("厚街镇 高质量发展") == {"split"}  # the two terms in different parts
    assert found("厚街镇 乡村振兴") == set()
