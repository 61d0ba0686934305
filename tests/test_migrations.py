"""Schema migrations: a database of the previous revision upgrades in place, losing nothing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from pipelines.db import current_revision, head_revision, open_engine, upgrade_database
from pipelines.models import Article, ArticlePerson, Base, Fetch
from pipelines.query import get_article, search_articles
from pipelines.records import content_hash
from pipelines.search import SEARCH_TABLE
from pipelines.store import ArticleStore

PREVIOUS = "0001_initial"
SEEN = datetime(2024, 3, 1, tzinfo=UTC)

RECORD = {
    "url": "http://www.chinareports.org.cn/xc/2024/0226/1.html",
    "title": "2024年东莞厚街重点发力“三大行动”“三大工程”",
    "published": "2024-02-26T11:33:41+08:00",
    "source": "中国报道",
    "authors": ["黄楚芳"],
    "editors": ["陈伟赞"],
    "channel": "乡村",
    "body": "中国报道讯(黄楚芳 报道)厚街镇推进高质量发展。",
    "images": [],
    "status": "ok",
    "parser_version": "0.9",
}


def fill_previous_schema(url: str) -> None:
    """Write one article, its people, a run and a fetch with plain SQL of revision 0001."""
    engine = open_engine(url, upgrade=False)
    upgrade_database(engine, PREVIOUS)
    with engine.begin() as conn:
        assert current_revision(conn) == PREVIOUS
        conn.execute(text("INSERT INTO sites (id, host) VALUES (1, 'www.chinareports.org.cn')"))
        conn.execute(text("INSERT INTO channels (id, site_id, name) VALUES (1, 1, '乡村')"))
        conn.execute(text("INSERT INTO sources (id, name) VALUES (1, '中国报道')"))
        conn.execute(text("INSERT INTO people (id, name) VALUES (1, '黄楚芳'), (2, '陈伟赞')"))
        conn.execute(
            Article.__table__.insert().values(
                id=1,
                canonical_url=RECORD["url"],
                url=RECORD["url"],
                title=RECORD["title"],
                published=datetime(2024, 2, 26, 3, 33, 41, tzinfo=UTC),
                published_is_date=False,
                body=RECORD["body"],
                images=[],
                status="ok",
                missing=[],
                parser_version="0.9",
                page_count=1,
                content_hash=content_hash(RECORD),
                first_seen=SEEN,
                last_seen=SEEN,
                last_changed=SEEN,
                site_id=1,
                channel_id=1,
                source_id=1,
            )
        )
        conn.execute(
            text(
                "INSERT INTO article_people (article_id, role, position, person_id) "
                "VALUES (1, 'author', 0, 1), (1, 'editor', 0, 2)"
            )
        )
        conn.execute(
            Fetch.__table__.insert().values(
                url=RECORD["url"],
                canonical_url=RECORD["url"],
                fetched_at=SEEN,
                status=200,
                warc_filename="old.warc.gz",
                warc_offset=0,
                warc_length=100,
                warc_record_type="response",
            )
        )
    engine.dispose()


def test_previous_schema_upgrades_in_place(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    fill_previous_schema(db_url)
    with caplog.at_level(logging.WARNING, logger="pipelines.db"):
        engine = open_engine(db_url)
    assert (
        f"upgrading the article database schema from {PREVIOUS} to {head_revision()}" in caplog.text
    )
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert conn.execute(select(func.count()).select_from(ArticlePerson)).scalar_one() == 2
    article = get_article(engine, RECORD["url"])
    assert article is not None
    expected = {k: v for k, v in RECORD.items()}
    assert {k: article[k] for k in expected} == expected
    assert article["warc"]["filename"] == "old.warc.gz"
    # Articles stored before the search index existed are searchable after the upgrade.
    assert [r["id"] for r in search_articles(engine, "厚街")] == [1]
    assert [r["id"] for r in search_articles(engine, "高质量发展")] == [1]
    # And the store treats them as the same content.
    assert ArticleStore(engine).store_article(RECORD, fetched_at=SEEN) == "unchanged"


def test_upgrade_is_idempotent(db_url: str) -> None:
    engine = open_engine(db_url)
    head = head_revision()
    assert upgrade_database(engine) == (head, head)


def test_models_match_migrations(db_url: str) -> None:
    engine = open_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    # The search table is dialect-specific and deliberately not a model.
    diff = [d for d in diff if SEARCH_TABLE not in repr(d)]
    assert diff == []


def test_open_engine_without_upgrade_leaves_schema(db_url: str) -> None:
    engine = open_engine(db_url, upgrade=False)
    with engine.connect() as conn:
        assert current_revision(conn) is None


@pytest.mark.postgres
def test_search_parts_migration_reindexes_long_bodies(pg_url: str) -> None:
    from alembic import command

    from pipelines.db import _alembic_config

    engine = open_engine(pg_url)
    body = "".join(chr(0x4E00 + (i * 7) % 400) for i in range(20_000)) + "高质量发展"
    ArticleStore(engine).store_article(dict(RECORD, body=body), fetched_at=SEEN)
    with engine.begin() as conn:  # back to 0002: one search row an article, positions cut
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002_search_index")
        assert conn.execute(text(f"SELECT count(*) FROM {SEARCH_TABLE}")).scalar_one() == 1
    assert search_articles(engine, "高质量发展") == []  # what 0002 databases get wrong
    engine.dispose()
    engine = open_engine(pg_url)  # upgrades to head on open
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {SEARCH_TABLE}")).scalar_one() == 2
    assert [r["url"] for r in search_articles(engine, "高质量发展")] == [RECORD["url"]]
    assert [r["url"] for r in search_articles(engine, "厚街")] == [RECORD["url"]]  # the title
