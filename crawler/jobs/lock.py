"""One crawl at a time per database: a lock that dies with its process, even by kill -9.

- SQLite (and any other file database): an ``flock`` on ``<database file>.lock`` beside the
  database, so "same database" means the same file whatever ``--data-dir`` says.
- PostgreSQL: a session advisory lock keyed by the server's database name and schema, so
  two machines sharing one PostgreSQL see each other's lock; the server drops it when the
  holder's connection dies. The holder names itself in ``application_name``.

Cooperating workers of one distributed (``--redis-url``) crawl take the lock *shared*: any
number of them run together, while a plain crawl (exclusive) is refused and refuses them.
A child crawl started by ``chinareport schedule`` runs under its parent's lock, told so by
the ``CHINAREPORT_LOCK_HELD`` environment variable.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

logger = logging.getLogger(__name__)

HELD_ENV = "CHINAREPORT_LOCK_HELD"
_PG_NAMESPACE = "chinareport-crawl"


class LockBusy(Exception):
    """Another crawl holds the lock; ``str()`` names it in one line."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock: enough to find the process."""

    command: str
    pid: int
    host: str
    started: str

    @classmethod
    def me(cls, command: str) -> Holder:
        """This process."""
        return cls(command, os.getpid(), socket.gethostname(),
                   datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def describe(self) -> str:
        """``chinareport crawl (pid 12, host h, started 2026-...)``."""
        return f"chinareport {self.command} (pid {self.pid}, host {self.host}, started {self.started})"

    def application_name(self) -> str:
        """A PostgreSQL application_name (at most 63 bytes) carrying the holder."""
        return f"chinareport {self.command} {self.pid}@{self.host[:18]} {self.started}"[:63]

    @classmethod
    def from_application_name(cls, name: str) -> Holder | None:
        """The inverse of ``application_name()``; None for anything else."""
        parts = name.split(" ")
        if len(parts) != 4 or parts[0] != "chinareport" or "@" not in parts[2]:
            return None
        pid, _, host = parts[2].partition("@")
        return cls(parts[1], int(pid) if pid.isdigit() else 0, host, parts[3])


def lock_identity(db_url: str) -> str:
    """A stable text naming the lock of a database (what the environment variable carries)."""
    try:
        url = make_url(db_url)
    except ArgumentError:
        return db_url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            return "sqlite:" + str(Path(database).resolve())
        return "sqlite:" + database
    return url.render_as_string(hide_password=True)


class CrawlLock:
    """Hold the crawl lock of one database until ``release()`` or process exit."""

    def __init__(self, db_url: str, data_dir: Path, *, shared: bool = False,
                 command: str = "crawl") -> None:
        self.db_url = db_url
        self.data_dir = data_dir
        self.shared = shared
        self.holder = Holder.me(command)
        self.identity = lock_identity(db_url)
        self._handle: Any = None
        self._pg: Any = None

    def acquire(self) -> Self:
        """Take the lock or raise ``LockBusy`` naming the holder; a no-op under a parent's lock."""
        if os.environ.get(HELD_ENV) == self.identity:
            logger.debug("running under the parent's lock on %s", self.identity)
            return self
        backend = _backend(self.db_url)
        if backend == "postgresql":
            self._acquire_pg()
        else:
            self._acquire_file(self._lock_path(backend))
        return self

    def release(self) -> None:
        """Let go of the lock (process exit does the same)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._pg is not None:
            self._pg.close()
            self._pg = None

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- file lock ------------------------------------------------------------------------

    def _lock_path(self, backend: str) -> Path:
        if backend == "sqlite" and self.identity.startswith("sqlite:/"):
            return Path(self.identity.removeprefix("sqlite:") + ".lock")
        digest = hashlib.sha1(self.identity.encode("utf-8")).hexdigest()[:16]
        return self.data_dir / f"crawl-{digest}.lock"

    def _acquire_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115  (held open: the lock lives with it)
        mode = fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            text = handle.read()
            handle.close()
            raise LockBusy(_busy_message(self.identity, _holder_from_text(text))) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(vars(self.holder)) + "\n")
        handle.flush()
        self._handle = handle

    # -- PostgreSQL advisory lock ---------------------------------------------------------

    def _acquire_pg(self) -> None:
        import psycopg

        url = make_url(self.db_url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        conn = psycopg.connect(conninfo, autocommit=True,
                               application_name=self.holder.application_name())
        key = _scalar(conn.execute(
            "SELECT hashtextextended(%s || current_database() || '.' || current_schema(), 0)",
            (_PG_NAMESPACE + ":",),
        ).fetchone())
        function = "pg_try_advisory_lock_shared" if self.shared else "pg_try_advisory_lock"
        got = _scalar(conn.execute(f"SELECT {function}(%s)", (key,)).fetchone())
        if got:
            self._pg = conn
            return
        holders = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = %s AND l.objid::bigint = %s",
            ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
        ).fetchall()
        conn.close()
        names = [Holder.from_application_name(row[0] or "") for row in holders]
        raise LockBusy(_busy_message(self.identity, next((h for h in names if h), None)))


def _scalar(row: Any) -> Any:
    if row is None:
        raise LockBusy("the database answered no row to the lock query")
    return row[0]


def _backend(db_url: str) -> str:
    try:
        return make_url(db_url).get_backend_name()
    except ArgumentError:
        return "unknown"


def _holder_from_text(text: str) -> Holder | None:
    try:
        data = json.loads(text.strip().splitlines()[-1])
        return Holder(str(data["command"]), int(data["pid"]), str(data["host"]),
                      str(data["started"]))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _busy_message(identity: str, holder: Holder | None) -> str:
    who = holder.describe() if holder else "another chinareport process"
    return f"another crawl is running on {identity}: {who}"
