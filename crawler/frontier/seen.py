"""The crawl's seen-URL set, kept out of memory: a SQLite file in the job dir, or a Redis set.

The spider asks once per page which of its links are new; the answer also marks them
seen. Most links of a page were seen before (menus, related articles): a bounded set
of recently known keys in memory answers those without a query. Locally the set lives in ``JOBDIR/seen.sqlite`` (a temporary job dir when none is
given), so a long crawl's memory does not grow with it. In a distributed crawl it is a
Redis set shared by every worker: ``SADD`` answers "new" to exactly one of them, which
is what keeps two workers from fetching the same URL.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

SEEN_FILE = "seen.sqlite"
DUPES_FILE = "dupes.sqlite"
_CHUNK = 500
# Keys of URLs known to be seen, kept in memory (about 90 bytes each): bounded, so a long
# crawl's memory stays flat; the set on disk or in Redis stays the one that decides.
KNOWN_KEYS_MAX = 200_000


def url_key(url: str) -> bytes:
    """A 16-byte key of a URL (collisions are negligible at any crawl size)."""
    return hashlib.sha1(url.encode("utf-8")).digest()[:16]


class SeenSet(Protocol):
    """A set of URLs that answers, in one call, which of a page's links are new."""

    def add_new(self, urls: list[str]) -> list[str]:
        """Mark ``urls`` seen; return those that were not, in order, each once."""
        ...

    def close(self) -> None:
        """Release the set's resources."""
        ...


def _unique(urls: list[str]) -> dict[bytes, str]:
    keyed: dict[bytes, str] = {}
    for url in urls:
        keyed.setdefault(url_key(url), url)
    return keyed


class SqliteSeenSet:
    """The seen set in a SQLite file; each call is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS seen (key BLOB PRIMARY KEY) WITHOUT ROWID")

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM seen").fetchone()[0])

    def add_new(self, urls: list[str]) -> list[str]:
        keyed = _unique(urls)
        if not keyed:
            return []
        keys = list(keyed)
        known: set[bytes] = set()
        self._conn.execute("BEGIN")
        try:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                known.update(
                    row[0] for row in self._conn.execute(
                        f"SELECT key FROM seen WHERE key IN ({marks})", chunk
                    )
                )
            fresh = [k for k in keys if k not in known]
            self._conn.executemany("INSERT OR IGNORE INTO seen VALUES (?)", [(k,) for k in fresh])
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return [keyed[k] for k in fresh]

    def add(self, key: bytes) -> bool:
        """Mark one key seen; True if it was not (one statement, its own transaction)."""
        cursor = self._conn.execute("INSERT OR IGNORE INTO seen VALUES (?)", (key,))
        return cursor.rowcount > 0

    def close(self) -> None:
        self._conn.close()


class KnownFirstSeenSet:
    """A seen set that skips the lookup for keys it already knows to be seen."""

    def __init__(self, inner: SeenSet, max_known: int = KNOWN_KEYS_MAX) -> None:
        self.inner = inner
        self.max_known = max_known
        self._known: set[bytes] = set()

    def add_new(self, urls: list[str]) -> list[str]:
        known = self._known
        unknown: dict[bytes, str] = {}
        for url in urls:
            key = url_key(url)
            if key not in known:
                unknown.setdefault(key, url)
        if not unknown:
            return []
        fresh = self.inner.add_new(list(unknown.values()))
        if len(known) + len(unknown) > self.max_known:
            known.clear()  # a cache: forgetting costs lookups, never a wrong answer
        known.update(unknown)
        return fresh

    def close(self) -> None:
        self.inner.close()


class RedisSeenSet:
    """The seen set as one Redis set shared by the workers of a distributed crawl."""

    def __init__(self, server: Any, key: str) -> None:
        self.server = server
        self.key = key

    def add_new(self, urls: list[str]) -> list[str]:
        keyed = _unique(urls)
        if not keyed:
            return []
        pipe = self.server.pipeline(transaction=False)
        for key in keyed:
            pipe.sadd(self.key, key)
        added = pipe.execute()
        return [url for url, new in zip(keyed.values(), added, strict=True) if new]

    def close(self) -> None:
        """Nothing to release: the distributed crawl's cleanup deletes the key."""


def open_seen_set(settings: Any) -> tuple[SeenSet, Path | None]:
    """The crawl's seen set from its settings, and a temporary folder to remove after, if any."""
    prefix = settings.get("CHINAREPORT_REDIS_PREFIX")
    if prefix:
        from scrapy_redis.connection import get_redis_from_settings

        from crawler.frontier.redis_scheduler import redis_keys

        server = get_redis_from_settings(settings)
        return KnownFirstSeenSet(RedisSeenSet(server, redis_keys(prefix)["seen"])), None
    job_dir = settings.get("JOBDIR")
    if job_dir:
        return KnownFirstSeenSet(SqliteSeenSet(Path(job_dir) / SEEN_FILE)), None
    import tempfile

    temporary = Path(tempfile.mkdtemp(prefix="chinareport-seen-"))
    return KnownFirstSeenSet(SqliteSeenSet(temporary / SEEN_FILE)), temporary


class DiskDupeFilter:
    """Scrapy's duplicate filter with its fingerprints on disk (JOBDIR, else a temporary file).

    The spider filters its own links through the seen set first, so this sees only what
    other components schedule: redirects, retries of new URLs.
    """

    def __init__(self, path: Path, fingerprinter: Any, temporary: Path | None = None) -> None:
        self.set = SqliteSeenSet(path)
        self.fingerprinter = fingerprinter
        self.temporary = temporary

    @classmethod
    def from_crawler(cls, crawler: Any) -> DiskDupeFilter:
        job_dir = crawler.settings.get("JOBDIR")
        if job_dir:
            return cls(Path(job_dir) / DUPES_FILE, crawler.request_fingerprinter)
        import tempfile

        temporary = Path(tempfile.mkdtemp(prefix="chinareport-dupes-"))
        return cls(temporary / DUPES_FILE, crawler.request_fingerprinter, temporary)

    def request_seen(self, request: Any) -> bool:
        """True if a request with this fingerprint was seen (and remember it)."""
        return not self.set.add(url_key(self.fingerprinter.fingerprint(request).hex()))

    def open(self) -> None:
        """Nothing to do: the file is open."""

    def close(self, reason: str) -> None:
        """Close the file (and remove a temporary one)."""
        self.set.close()
        if self.temporary is not None:
            import shutil

            shutil.rmtree(self.temporary, ignore_errors=True)

    def log(self, request: Any, spider: Any) -> None:
        """Duplicates are counted by Scrapy; nothing to log."""
