"""Get-or-create of the small lookup rows (sites, channels, sources, people), cached per store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from pipelines.models import Channel, Person, Site, Source

Key = tuple[str, Any]


class NameCache:
    """Ids of names already in the database; ids from an open transaction stay pending."""

    def __init__(self) -> None:
        self._ids: dict[Key, int] = {}
        self._pending: dict[Key, int] = {}

    def begin(self) -> dict[Key, int]:
        """Start collecting ids created inside one transaction."""
        self._pending = {}
        return self._pending

    def commit(self, pending: dict[Key, int]) -> None:
        """Keep the ids of a committed transaction."""
        self._ids.update(pending)
        self._pending = {}

    def discard(self, pending: dict[Key, int]) -> None:
        """Forget the ids of a rolled-back transaction."""
        pending.clear()
        self._pending = {}

    def _get(self, key: Key) -> int | None:
        return self._ids.get(key, self._pending.get(key))

    @staticmethod
    def insert_ignoring(conn: Connection, table: Any, keys: list[str]) -> Insert:
        """INSERT that skips rows whose unique ``keys`` already exist (both databases)."""
        if conn.dialect.name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing(index_elements=keys)
        if conn.dialect.name == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing(index_elements=keys)
        return insert(table)

    def _ensure(
        self, conn: Connection, kind: str, table: Any, cols: list[str], keys: Iterable[Any]
    ) -> None:
        wanted = [k for k in dict.fromkeys(keys) if self._get((kind, k)) is None]
        if not wanted:
            return
        columns = [getattr(table, c) for c in cols]

        def lookup(values: list[Any]) -> None:
            if len(cols) == 1:
                cond = columns[0].in_(values)
            else:
                cond = tuple_(*columns).in_(values)
            for row in conn.execute(select(table.id, *columns).where(cond)):
                key = row[1] if len(cols) == 1 else tuple(row[1:])
                self._pending[(kind, key)] = row[0]

        lookup(wanted)
        missing = [k for k in wanted if self._get((kind, k)) is None]
        if missing:
            rows = [dict(zip(cols, (k,) if len(cols) == 1 else k, strict=True)) for k in missing]
            conn.execute(self.insert_ignoring(conn, table.__table__, cols), rows)
            lookup(missing)

    def site(self, conn: Connection, host: str) -> int:
        """Id of a site by host."""
        self._ensure(conn, "site", Site, ["host"], [host])
        return self._pending.get(("site", host)) or self._ids[("site", host)]

    def channel(self, conn: Connection, site_id: int, name: str) -> int:
        """Id of a channel of a site."""
        key = (site_id, name)
        self._ensure(conn, "channel", Channel, ["site_id", "name"], [key])
        return self._pending.get(("channel", key)) or self._ids[("channel", key)]

    def source(self, conn: Connection, name: str) -> int:
        """Id of a source by name."""
        self._ensure(conn, "source", Source, ["name"], [name])
        return self._pending.get(("source", name)) or self._ids[("source", name)]

    def people(self, conn: Connection, names: Iterable[str]) -> None:
        """Make sure every name has a people row."""
        self._ensure(conn, "person", Person, ["name"], names)

    def person_id(self, name: str) -> int:
        """Id of a person ensured earlier through ``people``."""
        found = self._get(("person", name))
        if found is None:
            raise KeyError(name)
        return found
