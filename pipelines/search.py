"""Chinese keyword search: overlapping character bigrams in SQLite FTS5 or a PostgreSQL tsvector.

Both databases index the same token text: every run of Han characters becomes its overlapping
bigrams (厚街镇 -> 厚街 街镇), every other word is kept whole and lower-cased.  A query term becomes
a phrase of its tokens, so 高质量发展 matches exactly where the text contains it.

PostgreSQL keeps token positions only up to 16,383, so phrases further into a long body would
never match: there a body is indexed in parts of ``PG_PART_TOKENS`` tokens, one row each, every
part starting with the last ``PG_PART_OVERLAP`` tokens of the one before (a phrase across the
seam is whole in the later part).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

SEARCH_TABLE = "article_search"
PG_PART_TOKENS = 16_000
PG_PART_OVERLAP = 64

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_CHAR = re.compile(f"[{_HAN}]")
_TOKEN = re.compile(rf"([{_HAN}]+)|((?:(?![{_HAN}])[^\W_])+)")


_PAIR = re.compile(r"(?=(..))", re.DOTALL)  # overlapping pairs, found in C rather than a loop


def tokens(value: str | None) -> list[str]:
    """The index tokens of a text: Han bigrams (a lone Han character stays whole), other words."""
    return token_text(value).split()


def token_text(value: str | None) -> str:
    """The tokens of a text joined by spaces, as both databases index them."""
    if not value:
        return ""
    parts = []
    for han, word in _TOKEN.findall(value):
        if not han:
            parts.append(word.lower())
        elif len(han) == 1:
            parts.append(han)
        else:
            parts.append(" ".join(_PAIR.findall(han)))
    return " ".join(parts)


def query_terms(query: str) -> list[list[str]]:
    """Split a search string on white space into terms, each a list of tokens (empty ones dropped)."""
    return [toks for toks in (tokens(term) for term in query.split()) if toks]


def match_pieces(query: str) -> list[str]:
    """The runs of text a query finds (Han runs and words, longest first), to highlight hits."""
    pieces = {han or word for term in query.split() for han, word in _TOKEN.findall(term)}
    return sorted(pieces, key=lambda piece: (-len(piece), piece))


def needs_scan(terms: Sequence[Sequence[str]]) -> bool:
    """True when a term holds a lone Han character, which bigrams cannot find."""
    return any(len(tok) == 1 and _HAN_CHAR.match(tok) for term in terms for tok in term)


def fts5_query(terms: Sequence[Sequence[str]], column: str | None = None) -> str:
    """An FTS5 MATCH expression: every term as a quoted phrase, all required."""
    phrases = " AND ".join('"' + " ".join(term) + '"' for term in terms)
    return f"{column} : ({phrases})" if column else phrases


def pg_query(terms: Sequence[Sequence[str]]) -> list[str]:
    """One space-joined token string per term, for ``phraseto_tsquery('simple', ...)``."""
    return [" ".join(term) for term in terms]


def body_parts(tokens: str) -> list[str]:
    """A body's token text in the parts PostgreSQL indexes (one part unless it is long)."""
    if tokens.count(" ") < PG_PART_TOKENS:
        return [tokens]
    words = tokens.split(" ")
    parts, start = [], 0
    while True:
        parts.append(" ".join(words[start : start + PG_PART_TOKENS]))
        if start + PG_PART_TOKENS >= len(words):
            return parts
        start += PG_PART_TOKENS - PG_PART_OVERLAP


def index_rows(conn: Connection, rows: Iterable[tuple[int, str | None, str | None]]) -> None:
    """Add articles ``(id, title, body)`` to the search index."""
    docs = [(i, token_text(t), token_text(b)) for i, t, b in rows]
    if not docs:
        return
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO {SEARCH_TABLE}(rowid, title, body) VALUES (:id, :title, :body)"
        params = [{"id": i, "title": t, "body": b} for i, t, b in docs]
    else:
        params = [
            {"id": i, "part": n, "title": t if n == 0 else "", "body": part}
            for i, t, b in docs
            for n, part in enumerate(body_parts(b))
        ]
        sql = (
            f"INSERT INTO {SEARCH_TABLE}(article_id, part, title_doc, body_doc) VALUES "
            "(:id, :part, to_tsvector('simple', :title), to_tsvector('simple', :body))"
        )
    conn.execute(text(sql), params)


def unindex_rows(conn: Connection, rows: Iterable[tuple[int, str | None, str | None]]) -> None:
    """Remove articles from the search index, given the title and body they were indexed with."""
    rows = list(rows)
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        # A contentless FTS5 table forgets a row only when told the values it indexed.
        params: list[dict[str, Any]] = [
            {"id": i, "title": token_text(t), "body": token_text(b)} for i, t, b in rows
        ]
        conn.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, title, body) "
                "VALUES ('delete', :id, :title, :body)"
            ),
            params,
        )
    else:
        conn.execute(
            text(f"DELETE FROM {SEARCH_TABLE} WHERE article_id = :id"), [{"id": r[0]} for r in rows]
        )


def create_index(conn: Connection) -> None:
    """Create the search table for this database (used by the migration)."""
    if conn.dialect.name == "sqlite":
        conn.execute(
            text(
                f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(title, body, content='', "
                "tokenize='unicode61 remove_diacritics 0')"
            )
        )
    else:
        conn.execute(
            text(
                f"CREATE TABLE {SEARCH_TABLE} (article_id INTEGER NOT NULL "
                "REFERENCES articles(id) ON DELETE CASCADE, part INTEGER NOT NULL DEFAULT 0, "
                "title_doc tsvector NOT NULL, body_doc tsvector NOT NULL, "
                "PRIMARY KEY (article_id, part))"
            )
        )
        conn.execute(
            text(f"CREATE INDEX ix_{SEARCH_TABLE}_title ON {SEARCH_TABLE} USING gin (title_doc)")
        )
        conn.execute(
            text(f"CREATE INDEX ix_{SEARCH_TABLE}_body ON {SEARCH_TABLE} USING gin (body_doc)")
        )


def drop_index(conn: Connection) -> None:
    """Drop the search table (migration downgrade)."""
    conn.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))
