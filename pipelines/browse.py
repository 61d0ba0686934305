"""Reading the archive for browsing: a result page with its total and facet counts, articles per
day, an article's fetch history and the archived copies of its images.

Built on ``query.matching_select``, so a page counts and ranks exactly what ``chinareport query``
finds; ``chinareport serve`` reads through these and the functions of ``pipelines.query``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from pipelines.canonical import canonical_url
from pipelines.db import read_transaction
from pipelines.errors import InvalidURL
from pipelines.models import Article, Channel, Fetch, Source
from pipelines.query import STATUS_NOT_ARTICLE, DateLike, matching_select
from pipelines.records import load_records

FACETS = {"channel": Channel.name, "source": Source.name}


@dataclass
class ResultPage:
    """One page of matching records, how many match in all, and facet counts over all of them."""

    records: list[dict[str, Any]]
    total: int
    facets: dict[str, list[tuple[str | None, int]]] = field(default_factory=dict)


def result_page(
    engine: Engine,
    text: str | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    facet_size: int = 12,
    author: str | None = None,
    editor: str | None = None,
    source: str | None = None,
    channel: str | None = None,
    since: DateLike = None,
    until: DateLike = None,
    status: str | None = None,
) -> ResultPage:
    """Records ranked as ``search_articles`` ranks them, with the total and channel/source facets.

    Everything is read in one snapshot, so the counts agree with the records.
    """
    with read_transaction(engine) as conn:
        stmt, order = matching_select(
            conn,
            text,
            author=author,
            editor=editor,
            source=source,
            channel=channel,
            since=since,
            until=until,
            status=status,
        )
        rows = conn.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
        records = load_records(conn, rows)
        if offset == 0 and len(records) < limit:
            total = len(records)
        else:
            total = conn.execute(stmt.with_only_columns(func.count(Article.id))).scalar_one()
        facets = {name: _facet(conn, stmt, column, facet_size) for name, column in FACETS.items()}
    return ResultPage(records=records, total=total, facets=facets)


def _facet(conn: Connection, stmt: Any, column: Any, size: int) -> list[tuple[str | None, int]]:
    count = func.count(Article.id)
    grouped = (
        stmt.with_only_columns(column, count)
        .group_by(column)
        .order_by(count.desc(), column)
        .limit(size)
    )
    return [(name, int(n)) for name, n in conn.execute(grouped)]


def articles_per_day(engine: Engine) -> list[tuple[str, int]]:
    """(YYYY-MM-DD in Beijing time, articles published that day), oldest first; no undated ones."""
    with read_transaction(engine) as conn:
        if conn.dialect.name == "sqlite":
            day = func.date(Article.published, "+8 hours")
        else:
            day = func.to_char(func.timezone("Asia/Shanghai", Article.published), "YYYY-MM-DD")
        rows = conn.execute(
            select(day, func.count())
            .where(Article.published.is_not(None), Article.status != STATUS_NOT_ARTICLE)
            .group_by(day)
            .order_by(day)
        ).all()
    return [(str(d), int(n)) for d, n in rows]


def fetch_history(engine: Engine, url: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """Every fetch of one article URL, newest first: time, status or error, WARC locator."""
    with read_transaction(engine) as conn:
        rows = conn.execute(
            select(Fetch.__table__)
            .where(Fetch.canonical_url == _key(url))
            .order_by(Fetch.fetched_at.desc(), Fetch.id.desc())
            .limit(limit)
        ).all()
    return [
        {
            "fetched_at": row.fetched_at.isoformat(),
            "url": row.url,
            "status": row.status,
            "error_kind": row.error_kind,
            "error_message": row.error_message,
            "crawl_run": row.crawl_run_id,
            "warc_filename": row.warc_filename,
            "warc_offset": row.warc_offset,
            "warc_length": row.warc_length,
            "warc_record_type": row.warc_record_type,
        }
        for row in rows
    ]


def archived_copies(engine: Engine, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
    """For each URL archived with a 200 response (an image, say), the locator of its latest one."""
    keys = {_key(url): url for url in urls}
    if not keys:
        return {}
    with read_transaction(engine) as conn:
        rows = conn.execute(
            select(Fetch.canonical_url, Fetch.warc_filename, Fetch.warc_offset, Fetch.warc_length)
            .where(
                Fetch.canonical_url.in_(list(keys)),
                Fetch.status == 200,
                Fetch.warc_record_type == "response",
                Fetch.warc_filename.is_not(None),
            )
            .order_by(Fetch.fetched_at, Fetch.id)
        ).all()
    found = {}
    for key, filename, offset, length in rows:  # oldest first: the latest one stays
        found[keys[key]] = {"filename": filename, "offset": offset, "length": length}
    return found


def _key(url: str) -> str:
    try:
        return canonical_url(url)
    except InvalidURL:
        return url
