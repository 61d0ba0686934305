"""Shared test fixtures: a database URL on SQLite and PostgreSQL, and server-gated markers.

PostgreSQL tests run when ``CHINAREPORT_TEST_PG`` holds a server URL
(e.g. ``postgresql://postgres@127.0.0.1:5432/test``); each test gets its own schema.
Redis tests run when ``CHINAREPORT_TEST_REDIS`` is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ENV = "CHINAREPORT_TEST_PG"
REDIS_ENV = "CHINAREPORT_TEST_REDIS"
PG_SKIP = f"PostgreSQL tests skipped: set {PG_ENV}"
REDIS_SKIP = f"Redis tests skipped: set {REDIS_ENV}"

_skipped: dict[str, int] = {"postgres": 0, "redis": 0}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``postgres``/``redis``-marked tests when their server is not configured."""
    for item in items:
        if item.get_closest_marker("postgres") and not os.environ.get(PG_ENV):
            item.add_marker(pytest.mark.skip(reason=PG_SKIP))
            _skipped["postgres"] += 1
        if item.get_closest_marker("redis") and not os.environ.get(REDIS_ENV):
            item.add_marker(pytest.mark.skip(reason=REDIS_SKIP))
            _skipped["redis"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly which server-backed tests did not run."""
    if _skipped["postgres"]:
        terminalreporter.write_line(f"{PG_SKIP} ({_skipped['postgres']} tests)", yellow=True)
    if _skipped["redis"]:
        terminalreporter.write_line(f"{REDIS_SKIP} ({_skipped['redis']} tests)", yellow=True)


def _pg_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _pg_schema_url(base, schema)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    """A SQLite URL of a real file in the test's tmp_path."""
    return f"sqlite:///{tmp_path}/archive/articles.db"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database URL: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The sample site crawled twice into SQLite, with a hostile, a scripted and a changed
    article (``tests/web_archive.py``): shared by the web tests of one test process."""
    from web_archive import build

    archive = build(tmp_path_factory.mktemp("web_archive"))
    yield archive
    archive.beacon.stop()
