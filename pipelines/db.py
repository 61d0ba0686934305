"""Opening the article database: URL mapping, SQLite pragmas, clear errors, schema upgrades."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from pipelines.errors import StoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
# Any fixed number: serialises concurrent schema upgrades of one PostgreSQL database.
_PG_UPGRADE_LOCK = 0x63686E72


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "pipelines:migrations")
    return cfg


def head_revision() -> str:
    """The newest schema revision this code knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The schema revision of a database (None for an empty one)."""
    return MigrationContext.configure(conn).get_current_revision()


def _map_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise StoreError(f"bad database URL {raw!r}: {exc}") from exc
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise StoreError(
                "PostgreSQL needs the psycopg driver: pip install 'chinareport-archive[postgres]'"
            ) from exc
        url = url.set(drivername="postgresql+psycopg")
    return url


def _prepare_sqlite_path(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create database folder {path.parent} (not writable: {exc.strerror})"
        ) from exc
    probe = path if path.exists() else path.parent
    if not os.access(probe, os.W_OK):
        raise StoreError(f"database location {probe} is not writable")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_read_only(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _pg_read_only(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_conn.commit()


def _first_line(exc: BaseException) -> str:
    inner = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(inner).splitlines() if line.strip()]
    return lines[0] if lines else type(inner).__name__


def open_engine(url: str, *, upgrade: bool = True, read_only: bool = False) -> Engine:
    """Open (and by default upgrade) the database at a SQLAlchemy URL; raises ``StoreError``.

    ``read_only`` opens an existing database as it is: no file or folder is created, no schema
    upgrade is made (an outdated schema is an error), and every connection refuses writes.
    """
    mapped = _map_url(url)
    safe = make_url(url).render_as_string(hide_password=True)
    kwargs: dict[str, Any] = {}
    if mapped.get_backend_name() == "sqlite":
        database = mapped.database or ""
        if not read_only:
            _prepare_sqlite_path(mapped)
        elif not database.startswith("file:") and not Path(database or ":memory:").is_file():
            raise StoreError(f"no database at {database or ':memory:'}")
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    try:
        engine = create_engine(mapped, **kwargs)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_read_only if read_only else _sqlite_pragmas)
    elif read_only:
        event.listen(engine, "connect", _pg_read_only)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"cannot open database {safe}: {_first_line(exc)}") from exc
    if read_only:
        _require_current_schema(engine, safe)
    elif upgrade:
        upgrade_database(engine)
    return engine


def _require_current_schema(engine: Engine, where: str) -> None:
    try:
        with engine.connect() as conn:
            found = current_revision(conn)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot read database {where}: {_first_line(exc)}") from exc
    if found != head_revision():
        engine.dispose()
        if found is None:
            raise StoreError(f"{where} holds no article archive (crawl into it first)")
        raise StoreError(
            f"{where} has schema {found}, this version reads {head_revision()}: "
            "run `chinareport db upgrade`"
        )


def upgrade_database(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the schema to ``revision``; returns (revision before, revision after)."""
    target = head_revision() if revision == "head" else revision
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_UPGRADE_LOCK})
            before = current_revision(conn)
            if before == target:
                return before, target
            if before is None:
                log.info("creating the article database schema (revision %s)", target)
            else:
                log.warning("upgrading the article database schema from %s to %s", before, target)
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot upgrade the database schema: {_first_line(exc)}") from exc
    return before, target


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction; on SQLite it takes the write lock first, so reads inside stay valid."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only snapshot: every query inside sees the same committed state."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
        else:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        try:
            yield conn
        finally:
            conn.rollback()
