"""Between stored rows and DESIGN.md records: content hashes and record assembly."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from pipelines.models import ROLE_AUTHOR, Article, ArticlePerson, Channel, Person, Source
from pipelines.normalise import render_published

# What makes two parses of an article "the same content": every record field except the
# parser version (a new parser that finds the same text changes nothing) and the URL (the key).
HASHED_KEYS = (
    "title",
    "published",
    "source",
    "authors",
    "editors",
    "channel",
    "body",
    "images",
    "status",
    "missing",
)

ARTICLE_COLUMNS = (
    Article.id,
    Article.url,
    Article.canonical_url,
    Article.title,
    Article.published,
    Article.published_is_date,
    Article.published_raw,
    Article.body,
    Article.images,
    Article.status,
    Article.missing,
    Article.parser_version,
    Article.charset,
    Article.page_count,
    Article.content_hash,
    Article.first_seen,
    Article.last_seen,
    Article.last_changed,
    Channel.name.label("channel"),
    Source.name.label("source"),
)


def content_hash(record: dict[str, Any]) -> str:
    """SHA-256 over the record's content fields, independent of key order."""
    payload = {key: record.get(key) for key in HASHED_KEYS}
    payload["missing"] = payload["missing"] or []
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def article_select() -> Any:
    """SELECT of the article columns joined to their channel and source names."""
    return (
        select(*ARTICLE_COLUMNS)
        .select_from(Article)
        .outerjoin(Channel, Channel.id == Article.channel_id)
        .outerjoin(Source, Source.id == Article.source_id)
    )


def people_of(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """Authors and editors of each article, in byline order."""
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"authors": [], "editors": []})
    if not ids:
        return out
    rows = conn.execute(
        select(ArticlePerson.article_id, ArticlePerson.role, Person.name)
        .join(Person, Person.id == ArticlePerson.person_id)
        .where(ArticlePerson.article_id.in_(list(ids)))
        .order_by(ArticlePerson.article_id, ArticlePerson.role, ArticlePerson.position)
    )
    for article_id, role, name in rows:
        out[article_id]["authors" if role == ROLE_AUTHOR else "editors"].append(name)
    return out


def to_record(row: Row[Any], people: dict[str, list[str]], *, full: bool = False) -> dict[str, Any]:
    """The DESIGN.md record of a stored article, with its ``id`` (and storage details if ``full``)."""
    record: dict[str, Any] = {
        "id": row.id,
        "url": row.url,
        "title": row.title,
        "published": render_published(row.published, row.published_is_date),
        "source": row.source,
        "authors": list(people["authors"]),
        "editors": list(people["editors"]),
        "channel": row.channel,
        "body": row.body,
        "images": list(row.images or []),
        "status": row.status,
        "parser_version": row.parser_version,
    }
    if row.missing:
        record["missing"] = list(row.missing)
    if full:
        record.update(
            canonical_url=row.canonical_url,
            published_raw=row.published_raw,
            charset=row.charset,
            page_count=row.page_count,
            content_hash=row.content_hash,
            first_seen=row.first_seen.isoformat(),
            last_seen=row.last_seen.isoformat(),
            last_changed=row.last_changed.isoformat(),
        )
    return record


def load_records(
    conn: Connection, rows: Sequence[Row[Any]], *, full: bool = False
) -> list[dict[str, Any]]:
    """Records for article rows from ``article_select()``, in the same order."""
    people = people_of(conn, [row.id for row in rows])
    return [to_record(row, people[row.id], full=full) for row in rows]
