"""PostgreSQL search rows in parts: phrases far into a long body are found.

PostgreSQL keeps tsvector positions only up to 16,383; the search table gets a ``part``
column (key: article, part) and every article whose body may be that long is indexed again.
SQLite's FTS5 has no such limit: nothing changes there.

Revision ID: 0003_search_parts
Revises: 0002_search_index
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pipelines import search

revision = "0003_search_parts"
down_revision = "0002_search_index"
branch_labels = None
depends_on = None

BATCH = 200
TABLE = search.SEARCH_TABLE


def upgrade() -> None:
    """Key the search rows by (article, part) and index long bodies again, in parts."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    inspector = sa.inspect(conn)
    if "part" not in {column["name"] for column in inspector.get_columns(TABLE)}:
        key = inspector.get_pk_constraint(TABLE)["name"]
        op.execute(f"ALTER TABLE {TABLE} ADD COLUMN part INTEGER NOT NULL DEFAULT 0")
        op.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{key}", '
                   "ADD PRIMARY KEY (article_id, part)")
    last_id = 0
    while True:
        # Token count <= character count: every body that may need parts, and no other.
        rows = conn.execute(
            sa.text("SELECT id, title, body FROM articles WHERE id > :last "
                    "AND length(body) > :tokens ORDER BY id LIMIT :n"),
            {"last": last_id, "tokens": search.PG_PART_TOKENS, "n": BATCH},
        ).all()
        if not rows:
            break
        search.unindex_rows(conn, [(r.id, r.title, r.body) for r in rows])
        search.index_rows(conn, [(r.id, r.title, r.body) for r in rows])
        last_id = rows[-1].id


def downgrade() -> None:
    """Back to one row an article (long bodies lose their later parts again)."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(f"DELETE FROM {TABLE} WHERE part > 0")
    key = sa.inspect(conn).get_pk_constraint(TABLE)["name"]
    op.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{key}", ADD PRIMARY KEY (article_id)')
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN part")
