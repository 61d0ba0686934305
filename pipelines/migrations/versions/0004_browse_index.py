"""An index that answers counts over all articles without reading their bodies.

Counting and grouping every article (the total and the channel/source facets of an unfiltered
search page, ``chinareport stats``) filters on ``status``, which SQLite stores after the body:
without this covering index each count reads the whole table, bodies included (about a second
and a half at 100,000 articles; a few milliseconds with it).

Revision ID: 0004_browse_index
Revises: 0003_search_parts
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0004_browse_index"
down_revision = "0003_search_parts"
branch_labels = None
depends_on = None

COLUMNS = ["status", "channel_id", "source_id", "site_id", "published"]


def upgrade() -> None:
    """Create the covering index of the browsing counts."""
    op.create_index("ix_articles_browse", "articles", COLUMNS)


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_articles_browse", table_name="articles")
