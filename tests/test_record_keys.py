"""The record keys of DESIGN.md are the same in the parser, the database reads and exports."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.parser.record import RECORD_KEYS, STATUS_OK, STATUS_PARTIAL, Article
from pipelines.db import open_engine
from pipelines.export import COLUMNS
from pipelines.normalise import normalise_record
from pipelines.query import search_articles
from pipelines.store import ArticleStore


def test_a_stored_record_reads_back_with_the_parser_keys(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    store = ArticleStore(engine)
    ok = Article(url="http://e.cn/a/1.html", title="标题", published="2024-02-26T11:33:41+08:00",
                 source="中国报道", authors=["黄楚芳"], editors=["陈伟赞"], channel="乡村",
                 body="第一段\n第二段", status=STATUS_OK, parser_version="x")
    partial = Article(url="http://e.cn/a/2.html", title="标题二", body="正文", status=STATUS_PARTIAL,
                      missing=["published"], parser_version="x")
    for article in (ok, partial):
        store.store_article(normalise_record(article.to_record()), fetched_at=datetime.now(UTC))
    by_url = {r["url"]: r for r in search_articles(engine, status=None)}
    assert set(by_url[ok.url]) == {*RECORD_KEYS, "id"}
    assert by_url[ok.url]["authors"] == ["黄楚芳"] and by_url[ok.url]["channel"] == "乡村"
    assert set(RECORD_KEYS) <= set(COLUMNS) and "missing" in COLUMNS
    assert set(ok.to_record()) == set(RECORD_KEYS)
    assert set(partial.to_record()) == {*RECORD_KEYS, "missing"}
