"""Writing the archive: crawl runs, fetches, and idempotent article upserts with version history."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from pipelines import search
from pipelines.canonical import canonical_url
from pipelines.db import write_transaction
from pipelines.errors import StoreError
from pipelines.models import (
    ROLE_AUTHOR,
    ROLE_EDITOR,
    Article,
    ArticlePerson,
    ArticleVersion,
    CrawlRun,
    Fetch,
)
from pipelines.names import NameCache
from pipelines.normalise import parse_published
from pipelines.records import article_select, content_hash, load_records

log = logging.getLogger(__name__)

NEW = "new"
CHANGED = "changed"
UNCHANGED = "unchanged"


@dataclass
class StoreItem:
    """One parsed article to store, with how it was fetched."""

    record: dict[str, Any]
    fetched_at: datetime
    charset: str | None = None
    published_raw: str | None = None
    page_count: int = 1


@dataclass
class Prepared:
    """An item ready to store: its record's key, host, content hash and published time."""

    item: StoreItem
    canonical: str
    host: str
    hash: str
    published: datetime | None
    is_date: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime, what: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError(f"{what} must be a time-zone-aware datetime, got {moment!r}")
    return moment


def _as_item(item: Any) -> StoreItem:
    if isinstance(item, StoreItem):
        return item
    if isinstance(item, Mapping):
        return StoreItem(**{k: item[k] for k in StoreItem.__dataclass_fields__ if k in item})
    # Any object with the same attributes (the crawl's row dataclasses) will do.
    return StoreItem(
        record=item.record,
        fetched_at=item.fetched_at,
        charset=getattr(item, "charset", None),
        published_raw=getattr(item, "published_raw", None),
        page_count=getattr(item, "page_count", 1),
    )


class ArticleStore:
    """The write side of the archive, shared by the crawl and re-parse."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.names = NameCache()

    # -- crawl runs and fetches -------------------------------------------------------------

    def start_run(self, arguments: dict[str, Any], started: datetime | None = None) -> int:
        """Record the start of a crawl run (now, or at ``started``); returns its id."""
        with write_transaction(self.engine) as conn:
            return int(
                conn.execute(
                    insert(CrawlRun)
                    .values(arguments=dict(arguments), started=started or _now(), counts={})
                    .returning(CrawlRun.id)
                ).scalar_one()
            )

    def finish_run(self, run_id: int, counts: dict[str, Any], outcome: str) -> None:
        """Record how a crawl run ended."""
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(finished=_now(), counts=dict(counts), outcome=outcome)
            )

    def record_fetch(
        self,
        run_id: int | None,
        url: str,
        *,
        status: int | None,
        error: str | None = None,
        error_kind: str | None = None,
        warc: dict[str, Any] | None = None,
        fetched_at: datetime | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> int:
        """Record one fetch (with its WARC locator, or its error); returns the fetch id."""
        row = _fetch_row(
            run_id, url, status, error, error_kind, warc, fetched_at, etag, last_modified
        )
        with write_transaction(self.engine) as conn:
            return int(conn.execute(insert(Fetch).values(**row).returning(Fetch.id)).scalar_one())

    def record_fetches(self, fetches: Iterable[dict[str, Any]]) -> int:
        """Record many fetches (keyword dicts as ``record_fetch`` takes, plus ``run_id``, ``url``)."""
        rows = [
            _fetch_row(
                f.get("run_id"),
                f["url"],
                f.get("status"),
                f.get("error"),
                f.get("error_kind"),
                f.get("warc"),
                f.get("fetched_at"),
                f.get("etag"),
                f.get("last_modified"),
            )
            for f in fetches
        ]
        if rows:
            with write_transaction(self.engine) as conn:
                conn.execute(insert(Fetch), rows)
                _confirm_not_modified(conn, rows)
        return len(rows)

    def last_capture(self, url: str) -> tuple[str, str, str] | None:
        """(payload digest, URI, WARC-Date) of the latest archived response for a URL, for revisits."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(Fetch.payload_digest, Fetch.url, Fetch.warc_date)
                .where(
                    Fetch.url == url,
                    Fetch.warc_record_type == "response",
                    Fetch.payload_digest.is_not(None),
                )
                .order_by(Fetch.fetched_at.desc(), Fetch.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        return row.payload_digest, row.url, row.warc_date or ""

    def has_article(self, url: str) -> bool:
        """Whether an article is stored under this URL's canonical form."""
        key = canonical_url(url)
        with self.engine.connect() as conn:
            return (
                conn.execute(select(Article.id).where(Article.canonical_url == key)).first()
                is not None
            )

    # -- articles -------------------------------------------------------------------------

    def store_article(
        self,
        record: dict[str, Any],
        *,
        fetched_at: datetime,
        charset: str | None = None,
        published_raw: str | None = None,
        page_count: int = 1,
    ) -> str:
        """Upsert one article; returns "new", "changed" or "unchanged"."""
        item = StoreItem(record, fetched_at, charset, published_raw, page_count)
        return self.store_articles([item])[0]

    def store_articles(self, items: Iterable[Any]) -> list[str]:
        """Upsert a batch of articles in one transaction; returns each one's outcome in order."""
        return self.store_prepared(self.prepare(items))

    def prepare(self, items: Iterable[Any]) -> list[Prepared]:
        """Key and hash items, as ``store_prepared`` takes them (re-parse compares them first)."""
        return [self._prepare(_as_item(item)) for item in items]

    def store_prepared(self, prepared: list[Prepared]) -> list[str]:
        """``store_articles`` for items already prepared."""
        outcomes: list[str] = []
        # A URL twice in one batch is stored in order: split the batch where a key repeats.
        chunk: list[Prepared] = []
        seen: set[str] = set()
        chunks: list[list[Prepared]] = []
        for prep in prepared:
            if prep.canonical in seen:
                chunks.append(chunk)
                chunk, seen = [], set()
            chunk.append(prep)
            seen.add(prep.canonical)
        if chunk:
            chunks.append(chunk)
        for part in chunks:
            with write_transaction(self.engine) as conn:
                pending = self.names.begin()
                try:
                    outcomes.extend(self._store_chunk(conn, part))
                except BaseException:
                    self.names.discard(pending)
                    raise
            self.names.commit(pending)
        return outcomes

    def _prepare(self, item: StoreItem) -> Prepared:
        record = item.record
        url = record.get("url")
        if not url:
            raise StoreError("record has no url")
        _aware(item.fetched_at, "fetched_at")
        canonical = canonical_url(url)
        published, is_date = parse_published(record.get("published"))
        host = (urlsplit(canonical).hostname or "").lower()
        return Prepared(item, canonical, host, content_hash(record), published, is_date)

    def _store_chunk(self, conn: Connection, part: list[Prepared]) -> list[str]:
        existing = {row.canonical_url: row for row in _current_rows(conn, part)}
        outcome: dict[str, str] = {}
        fresh = [p for p in part if p.canonical not in existing]
        if fresh:
            inserted = self._insert_new(conn, fresh)
            for prep in fresh:
                if prep.canonical in inserted:
                    outcome[prep.canonical] = NEW
        # Rows another writer inserted between our read and our insert go the update way.
        late = [p for p in part if p.canonical not in existing and p.canonical not in outcome]
        if late:
            for row in _current_rows(conn, late):
                existing[row.canonical_url] = row
        moves: list[dict[str, Any]] = []
        replaced: list[tuple[Prepared, Any]] = []
        for prep in part:
            if prep.canonical in outcome:
                continue
            current = existing[prep.canonical]
            if prep.hash == current.content_hash:
                outcome[prep.canonical] = UNCHANGED
                move = seen_moves(prep.item, current)
                if move:
                    moves.append({**move, "id": current.id})
            elif prep.item.fetched_at < current.last_seen:
                outcome[prep.canonical] = self._add_older_capture(conn, prep, current)
            else:
                outcome[prep.canonical] = CHANGED
                replaced.append((prep, current))
        _update_by_id(conn, moves)
        if replaced:
            self._replace(conn, replaced)
        return [outcome[p.canonical] for p in part]

    def _article_values(self, conn: Connection, prep: Prepared) -> dict[str, Any]:
        record = prep.item.record
        site_id = self.names.site(conn, prep.host) if prep.host else None
        channel = record.get("channel")
        source = record.get("source")
        return {
            "url": record["url"],
            "title": record.get("title"),
            "published": prep.published,
            "published_raw": prep.item.published_raw,
            "published_is_date": prep.is_date,
            "body": record.get("body"),
            "images": list(record.get("images") or []),
            "status": record.get("status") or "ok",
            "missing": list(record.get("missing") or []),
            "parser_version": record.get("parser_version") or "",
            "charset": prep.item.charset,
            "page_count": prep.item.page_count,
            "content_hash": prep.hash,
            "site_id": site_id,
            "channel_id": self.names.channel(conn, site_id, channel)
            if channel and site_id
            else None,
            "source_id": self.names.source(conn, source) if source else None,
        }

    def _insert_new(self, conn: Connection, fresh: list[Prepared]) -> dict[str, int]:
        rows = []
        for prep in fresh:
            values = self._article_values(conn, prep)
            seen = prep.item.fetched_at
            values.update(
                canonical_url=prep.canonical, first_seen=seen, last_seen=seen, last_changed=seen
            )
            rows.append(values)
        self.names.people(conn, [n for p in fresh for n in _names(p.item.record)])
        stmt = self.names.insert_ignoring(conn, Article.__table__, ["canonical_url"])
        ids = {
            row.canonical_url: row.id
            for row in conn.execute(stmt.returning(Article.id, Article.canonical_url), rows)
        }
        done = [p for p in fresh if p.canonical in ids]
        self._write_people(conn, [(ids[p.canonical], p.item.record) for p in done])
        search.index_rows(
            conn,
            [
                (ids[p.canonical], p.item.record.get("title"), p.item.record.get("body"))
                for p in done
            ],
        )
        return ids

    def _add_older_capture(self, conn: Connection, prep: Prepared, current: Any) -> str:
        # An older capture (re-parse of an earlier WARC record): history, not the current
        # state. A re-parse of the latest capture (seen == last_seen) replaces it.
        seen = prep.item.fetched_at
        self._add_versions(conn, [(current.id, prep.item.record, prep.hash, seen, seen)])
        conn.execute(
            update(Article)
            .where(Article.id == current.id)
            .values(first_seen=min(current.first_seen, seen))
        )
        return CHANGED

    def _replace(self, conn: Connection, pairs: list[tuple[Prepared, Any]]) -> None:
        """Make new parses the current state of their articles, the replaced ones history."""
        ids = [current.id for _, current in pairs]
        rows = conn.execute(article_select().where(Article.id.in_(ids))).all()
        snapshots = {}
        for record in load_records(conn, rows, full=True):
            snapshots[record.pop("id")] = record
        self._add_versions(conn, [
            (current.id, snapshots[current.id], current.content_hash, current.last_changed,
             prep.item.fetched_at)
            for prep, current in pairs
        ])
        self.names.people(conn, [n for prep, _ in pairs for n in _names(prep.item.record)])
        updates = []
        for prep, current in pairs:
            seen = prep.item.fetched_at
            values = self._article_values(conn, prep)
            values.update(id=current.id, first_seen=min(current.first_seen, seen),
                          last_seen=max(current.last_seen, seen), last_changed=seen)
            updates.append(values)
        _update_by_id(conn, updates)
        conn.execute(delete(ArticlePerson).where(ArticlePerson.article_id.in_(ids)))
        self._write_people(conn, [(current.id, prep.item.record) for prep, current in pairs])
        # The search index changes only where the indexed text did.
        retext = [
            (prep, current) for prep, current in pairs
            if (prep.item.record.get("title"), prep.item.record.get("body"))
            != (current.title, current.body)
        ]
        search.unindex_rows(conn, [(c.id, c.title, c.body) for _, c in retext])
        search.index_rows(
            conn,
            [(c.id, p.item.record.get("title"), p.item.record.get("body")) for p, c in retext],
        )

    def _add_versions(
        self,
        conn: Connection,
        versions: list[tuple[int, dict[str, Any], str, datetime | None, datetime]],
    ) -> None:
        """Add ``(article id, snapshot, content hash, valid from, replaced at)`` to the history,
        unless the article already has a version with that content."""
        ids = list({version[0] for version in versions})
        known = {
            (row.article_id, row.content_hash)
            for row in conn.execute(
                select(ArticleVersion.article_id, ArticleVersion.content_hash).where(
                    ArticleVersion.article_id.in_(ids)
                )
            )
        }
        rows = []
        for article_id, snapshot, digest, valid_from, replaced_at in versions:
            if (article_id, digest) in known:
                continue
            known.add((article_id, digest))
            rows.append({
                "article_id": article_id,
                "snapshot": snapshot,
                "content_hash": digest,
                "parser_version": snapshot.get("parser_version") or "",
                "valid_from": valid_from,
                "replaced_at": replaced_at,
            })
        if rows:
            conn.execute(insert(ArticleVersion), rows)

    def _write_people(self, conn: Connection, pairs: list[tuple[int, dict[str, Any]]]) -> None:
        rows = []
        for article_id, record in pairs:
            for role, key in ((ROLE_AUTHOR, "authors"), (ROLE_EDITOR, "editors")):
                for position, name in enumerate(_unique(record.get(key))):
                    rows.append(
                        {
                            "article_id": article_id,
                            "role": role,
                            "position": position,
                            "person_id": self.names.person_id(name),
                        }
                    )
        if rows:
            conn.execute(insert(ArticlePerson), rows)


def seen_moves(item: StoreItem, current: Any) -> dict[str, Any]:
    """What storing an unchanged parse moves on its stored row (``first_seen``, ``last_seen``,
    ``parser_version``): the seen times, and the parser version that read it."""
    seen = item.fetched_at
    moves: dict[str, Any] = {}
    first_seen, last_seen = min(current.first_seen, seen), max(current.last_seen, seen)
    if (first_seen, last_seen) != (current.first_seen, current.last_seen):
        moves.update(first_seen=first_seen, last_seen=last_seen)
    version = item.record.get("parser_version") or ""
    if version and version != current.parser_version:
        moves["parser_version"] = version
    return moves


def _update_by_id(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Update articles by ``id``: one executemany for each set of columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    stmt = update(Article).where(Article.id == bindparam("row_id"))  # SET: the rows' keys
    for group in groups.values():
        conn.execute(stmt, [{**{k: v for k, v in r.items() if k != "id"}, "row_id": r["id"]}
                            for r in group])


def _current_rows(conn: Connection, part: list[Prepared]) -> Any:
    """The stored state an upsert compares against, for the articles of ``part``."""
    return conn.execute(
        select(
            Article.id,
            Article.canonical_url,
            Article.content_hash,
            Article.title,
            Article.body,
            Article.first_seen,
            Article.last_seen,
            Article.last_changed,
            Article.parser_version,
        ).where(Article.canonical_url.in_([p.canonical for p in part]))
    )


def _confirm_not_modified(conn: Connection, fetches: list[dict[str, Any]]) -> None:
    """A 304 says the stored capture is still what the server has: the article was seen then."""
    latest: dict[str, datetime] = {}
    for row in fetches:
        if row["status"] == 304:
            key, when = row["canonical_url"], row["fetched_at"]
            latest[key] = max(when, latest.get(key, when))
    if latest:
        conn.execute(
            update(Article)
            .where(Article.canonical_url == bindparam("key"), Article.last_seen < bindparam("seen"))
            .values(last_seen=bindparam("seen")),
            [{"key": key, "seen": when} for key, when in latest.items()],
        )


def _unique(names: Any) -> list[str]:
    return list(dict.fromkeys(n for n in (names or []) if n))


def _names(record: dict[str, Any]) -> list[str]:
    return _unique(record.get("authors")) + _unique(record.get("editors"))


def _fetch_row(
    run_id: int | None,
    url: str,
    status: int | None,
    error: str | None,
    error_kind: str | None,
    warc: dict[str, Any] | None,
    fetched_at: datetime | None,
    etag: str | None,
    last_modified: str | None,
) -> dict[str, Any]:
    warc = warc or {}
    try:
        canonical = canonical_url(url)
    except StoreError:
        canonical = url
    return {
        "crawl_run_id": run_id,
        "url": url,
        "canonical_url": canonical,
        "fetched_at": _aware(fetched_at, "fetched_at") if fetched_at is not None else _now(),
        "status": status,
        "error_kind": error_kind or ("error" if error else None),
        "error_message": error,
        "warc_filename": warc.get("filename"),
        "warc_offset": warc.get("offset"),
        "warc_length": warc.get("length"),
        "warc_record_type": warc.get("record_type"),
        "warc_date": warc.get("warc_date"),
        "payload_digest": warc.get("payload_digest"),
        "etag": etag,
        "last_modified": last_modified,
    }
