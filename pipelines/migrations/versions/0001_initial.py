"""Initial schema: sites, channels, sources, people, articles, versions, fetches, crawl runs.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table of the first version."""
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
        sa.UniqueConstraint("host", name="uq_sites_host"),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_channels_site_id_sites"),
        sa.UniqueConstraint("site_id", "name", name="uq_channels_site_name"),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("name", name="uq_sources_name"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("name", name="uq_people_name"),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("published", TS),
        sa.Column("published_raw", sa.Text),
        sa.Column("published_is_date", sa.Boolean, nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("images", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("missing", sa.JSON, nullable=False),
        sa.Column("parser_version", sa.String(64), nullable=False),
        sa.Column("charset", sa.String(32)),
        sa.Column("page_count", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("last_changed", TS, nullable=False),
        sa.Column("site_id", sa.Integer),
        sa.Column("channel_id", sa.Integer),
        sa.Column("source_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("canonical_url", name="uq_articles_canonical_url"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_articles_site_id_sites"),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name="fk_articles_channel_id_channels"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_articles_source_id_sources"
        ),
    )
    op.create_index("ix_articles_published", "articles", ["published"])
    op.create_index("ix_articles_site_id", "articles", ["site_id"])
    op.create_index("ix_articles_channel_id", "articles", ["channel_id"])
    op.create_index("ix_articles_source_id", "articles", ["source_id"])
    op.create_table(
        "article_people",
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "role", "position", name="pk_article_people"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_people_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_article_people_person_id_people"
        ),
    )
    op.create_index("ix_article_people_person_id", "article_people", ["person_id"])
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("parser_version", sa.String(64), nullable=False),
        sa.Column("valid_from", TS),
        sa.Column("replaced_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_article_versions"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_versions_article_id_articles",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_article_versions_article_id", "article_versions", ["article_id"])
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("arguments", sa.JSON, nullable=False),
        sa.Column("started", TS, nullable=False),
        sa.Column("finished", TS),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("outcome", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_table(
        "fetches",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("crawl_run_id", sa.Integer),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("error_kind", sa.String(64)),
        sa.Column("error_message", sa.Text),
        sa.Column("warc_filename", sa.Text),
        sa.Column("warc_offset", sa.BigInteger),
        sa.Column("warc_length", sa.BigInteger),
        sa.Column("warc_record_type", sa.String(16)),
        sa.Column("warc_date", sa.String(40)),
        sa.Column("payload_digest", sa.String(128)),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_fetches"),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_runs.id"], name="fk_fetches_crawl_run_id_crawl_runs"
        ),
    )
    op.create_index("ix_fetches_crawl_run_id", "fetches", ["crawl_run_id"])
    op.create_index("ix_fetches_url_fetched_at", "fetches", ["url", "fetched_at"])
    op.create_index(
        "ix_fetches_canonical_url_fetched_at", "fetches", ["canonical_url", "fetched_at"]
    )


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "fetches",
        "crawl_runs",
        "article_versions",
        "article_people",
        "articles",
        "people",
        "sources",
        "channels",
        "sites",
    ):
        op.drop_table(table)
