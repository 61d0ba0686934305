"""A small Python API over the archive for notebooks and scripts: ``Archive.open(...)``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from sqlalchemy.engine import Engine

from pipelines import query
from pipelines.db import open_engine
from pipelines.export import export_records


def archive_url(data_dir_or_url: str | Path) -> str:
    """A database URL: given as is, or the default ``articles.db`` inside a data folder."""
    value = str(data_dir_or_url)
    if "://" in value:
        return value
    return f"sqlite:///{Path(value) / 'articles.db'}"


class Archive:
    """An open article archive.

    >>> archive = Archive.open("data")                      # doctest: +SKIP
    >>> archive.articles("厚街", channel="乡村", limit=5)   # doctest: +SKIP
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, data_dir_or_url: str | Path = "data", *, upgrade: bool = True) -> Archive:
        """Open the archive in a data folder, or at a SQLAlchemy URL."""
        return cls(open_engine(archive_url(data_dir_or_url), upgrade=upgrade))

    def articles(self, text: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Records matching a keyword and filters (author, editor, source, channel, since, until,
        status, limit, offset), ranked as ``chinareport query`` ranks them."""
        return query.search_articles(self.engine, text, **filters)

    def iter_articles(self, text: str | None = None, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every matching record, in id order, without a limit."""
        return query.iter_articles(self.engine, text, **filters)

    def article(self, id_or_url: int | str) -> dict[str, Any] | None:
        """One article by id or URL (with its WARC locator), or None."""
        return query.get_article(self.engine, id_or_url)

    def versions(self, article_id: int) -> list[dict[str, Any]]:
        """Earlier states of one article."""
        return query.article_versions(self.engine, article_id)

    def stats(self) -> dict[str, Any]:
        """Counts by channel and source, crawl runs, fetch errors."""
        return query.stats(self.engine)

    def export(
        self, path: str | Path, fmt: str = "jsonl", text: str | None = None, **filters: Any
    ) -> int:
        """Write matching records to a jsonl/csv/parquet file; returns the count."""
        return export_records(query.iter_articles(self.engine, text, **filters), path, fmt)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
