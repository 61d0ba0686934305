"""Chinese keyword search: a bigram FTS5 table (SQLite) or bigram tsvectors with GIN (PostgreSQL).

Revision ID: 0002_search_index
Revises: 0001_initial
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pipelines import search

revision = "0002_search_index"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    """Create the search table and index every article already stored."""
    conn = op.get_bind()
    search.create_index(conn)
    last_id = 0
    while True:
        rows = conn.execute(
            sa.text("SELECT id, title, body FROM articles WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last_id, "n": BATCH},
        ).all()
        if not rows:
            break
        search.index_rows(conn, [(r.id, r.title, r.body) for r in rows])
        last_id = rows[-1].id


def downgrade() -> None:
    """Drop the search table."""
    search.drop_index(op.get_bind())
