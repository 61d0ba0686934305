"""Alembic environment: runs on the connection that ``pipelines.db`` hands over."""

from __future__ import annotations

from alembic import context

from pipelines.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through pipelines.db.upgrade_database, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
