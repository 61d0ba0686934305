"""Alembic migrations of the article database, shipped inside the package."""
