"""Storage faults in the middle of a crawl (issue 7): the database going away, the WARC folder
turning read-only.

Each test crawls a 300-article sample site, served with a small delay, in a real
`chinareport crawl` subprocess; once articles are being stored it breaks the storage, then
checks that the crawl stops by itself with a one-line error and a non-zero exit and no
traceback, that the WARC files hold every response the crawl received (the crawl's DEBUG log
lists each one as "Crawled (status) <GET url>"), and that `chinareport reparse` fills a
database with every article whose page was fetched.

Permissions mean nothing to root, so the SQLite and WARC tests run the crawl as user 65534,
or, where that user cannot reach the interpreter (here it lives under /root), as root
without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER (``setpriv``), which file
permissions bind like any user; with neither they skip, saying why.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.reader import iter_records, read_record
from crawler.sample_site import SampleSite, build_site, serve

ROOT = Path(__file__).resolve().parents[1]
WARCIO = str(Path(sys.executable).with_name("warcio"))
NOBODY = 65534
ARTICLES = 300
DELAY = 0.05
CONCURRENCY = 4  # per domain: slow enough that the fault lands mid-crawl
STOP_DEADLINE = 60.0  # generous: a hung crawl fails here instead of hanging the suite
CRAWLED = re.compile(r"Crawled \((\d{3})\) <GET (\S+)>")
ERROR_PREFIX = "chinareport: error: the crawl stopped early: "


@dataclass
class Crawl:
    """A `chinareport crawl` subprocess whose output goes to files (it is long at DEBUG)."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_stopped(self) -> int:
        """Wait for the crawl to stop by itself; kill it and fail if it does not."""
        try:
            return self.process.wait(timeout=STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the crawl did not stop within {STOP_DEADLINE:.0f} s of the fault;"
                        f" stderr ends:\n{self.err()[-3000:]}")

    def out(self) -> str:
        return self.stdout.read_text(encoding="utf-8", errors="replace")

    def err(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class Unprivileged:
    """How to start a process that file permissions apply to, and who owns its files."""

    uid: int
    prefix: tuple[str, ...] = ()  # a command wrapper (setpriv), or
    popen: tuple[tuple[str, object], ...] = ()  # Popen arguments (user, group)

    def kwargs(self) -> dict[str, object]:
        return dict(self.popen)


# Root without these capabilities is bound by permission bits like any user.
DROP_DAC = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--")


def find_unprivileged() -> Unprivileged:
    """User 65534 if it can run the project, else root without the DAC capabilities."""
    if os.geteuid() != 0:
        pytest.skip("needs root, to run the crawl as a user that permissions apply to")
    probe = [sys.executable, "-c", "import crawler.cli, scrapy, sqlalchemy"]
    nobody = Unprivileged(NOBODY, popen=(("user", NOBODY), ("group", NOBODY),
                                         ("extra_groups", [])))
    reasons = []
    try:
        result = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, check=False,
                                **nobody.kwargs())  # type: ignore[call-overload]
        if result.returncode == 0:
            return nobody
        reasons.append(f"user {NOBODY} cannot import the project: "
                       f"{result.stderr.strip().splitlines()[-1:]}")
    except OSError as exc:
        reasons.append(f"user {NOBODY} cannot run {sys.executable}: {exc.strerror}")
    capless = Unprivileged(0, prefix=DROP_DAC)
    check = ("import os, sys, tempfile; f = tempfile.mkstemp()[1]; os.chmod(f, 0o444); "
             "w = os.access(f, os.W_OK); os.chmod(f, 0o644); os.unlink(f); sys.exit(w)")
    try:
        result = subprocess.run([*DROP_DAC, *probe[:2], f"{probe[2]}; {check}"], cwd=ROOT,
                                capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return capless
        reasons.append(f"setpriv without CAP_DAC_OVERRIDE failed: {result.stderr.strip()[-200:]}")
    except OSError as exc:
        reasons.append(f"no setpriv: {exc.strerror}")
    pytest.skip("no way to run the crawl bound by file permissions: " + "; ".join(reasons))


def start_crawl(url: str, data: Path, logs: Path, *extra: str,
                as_user: Unprivileged | None = None) -> Crawl:
    """Start `chinareport crawl URL` into ``data``, its log streamed at DEBUG (-v)."""
    command = [sys.executable, "-m", "crawler", "crawl", url + "/", "--data-dir", str(data),
               "-v", "--log-level", "DEBUG", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}", *extra]
    stdout, stderr = logs / "crawl.out", logs / "crawl.err"
    env = None
    if as_user is not None:
        command = [*as_user.prefix, *command]
        env = {**os.environ, "TMPDIR": str(data.parent)}
        if as_user.uid != 0:
            env.update(HOME=str(data.parent), TLDEXTRACT_CACHE=tldextract_cache(data.parent))
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, env=env,
                                   **(as_user.kwargs() if as_user else {}))  # type: ignore[call-overload]
    return Crawl(process, stdout, stderr)


def tldextract_cache(home: Path) -> str:
    """A copy of tldextract's suffix-list cache the user can read: without one, Scrapy's
    cookie handling downloads the list and logs a traceback when it cannot."""
    import tldextract.cache

    copy = home / "tldextract"
    source = Path(tldextract.cache.get_cache_dir())
    if source.is_dir() and not copy.exists():
        shutil.copytree(source, copy)
        for path in [copy, *copy.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
    return str(copy)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def wait_for(condition: Callable[[], bool], crawl: Crawl, what: str) -> None:
    """Poll until ``condition`` holds; fail if the crawl ends first or the deadline passes."""
    deadline = time.monotonic() + STOP_DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        if not crawl.running():
            pytest.fail(f"the crawl ended (exit {crawl.process.returncode}) before {what}:\n"
                        f"{crawl.out()}\n{crawl.err()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting until {what}")


def assert_stopped_cleanly(crawl: Crawl, *mentions: str) -> str:
    """Non-zero exit, the last stderr line a one-line error naming ``mentions``, no traceback."""
    code = crawl.wait_stopped()
    err = crawl.err()
    assert code != 0, f"the crawl exited 0 although its storage failed:\n{crawl.out()}"
    if "Traceback" in err:
        pytest.fail("a traceback reached the log:\n" + err[err.index("Traceback"):][:4000])
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[-1].startswith(ERROR_PREFIX), (
        f"stderr does not end with a one-line error:\n{chr(10).join(lines[-5:])}")
    message = lines[-1]
    for text in mentions:
        assert text.lower() in message.lower(), f"the error does not name {text!r}: {message}"
    assert "finish reason:" in crawl.out(), "no summary printed:\n" + crawl.out()
    return message


def crawled(crawl: Crawl) -> dict[str, int]:
    """URL -> status of every response the crawl received, from its DEBUG log."""
    return {url: int(status) for status, url in CRAWLED.findall(crawl.err())}


def article_urls(site: SampleSite, base: str, urls: dict[str, int]) -> set[str]:
    """The site's articles among ``urls`` that came back 200."""
    return {u for u, status in urls.items() if status == 200 and u.startswith(base)
            and urlsplit(u).path in site.truth}


def archived(warc_dir: Path) -> dict[str, int]:
    """URL -> status of every response or revisit record in the folder's WARC files."""
    files = sorted(warc_dir.glob("*.warc.gz"))
    return {r.uri: r.status for r in iter_records(files)}


def assert_warcs_hold(warc_dir: Path, received: dict[str, int]) -> None:
    """warcio check passes on every file, none left open, and each response is archived."""
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert files, f"no WARC files in {warc_dir}"
    assert not list(warc_dir.glob("*.open")), "a WARC file was left open"
    check = subprocess.run([WARCIO, "check", *map(str, files)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    records = archived(warc_dir)
    missing = {u: s for u, s in received.items() if records.get(u) != s}
    assert not missing, f"{len(missing)} received responses are not in the WARC files: " \
                        f"{sorted(missing.items())[:10]}"


@pytest.fixture
def site() -> SampleSite:
    return build_site(ARTICLES)


# -- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def pg_database() -> Iterator[tuple[str, Callable[[bool], None]]]:
    """A dedicated database (the shared server keeps running), dropped afterwards.

    Yields its URL and a switch: ``allow(False)`` refuses new connections and ends the
    existing ones, which is what the crawl sees when its database goes away.
    """
    base = os.environ.get("CHINAREPORT_TEST_PG")
    if not base:
        pytest.skip("PostgreSQL tests skipped: set CHINAREPORT_TEST_PG")
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"chinareport_fault_{uuid.uuid4().hex[:10]}"
    admin = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)

    def allow(on: bool) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(on).lower()}')
            if not on:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url, allow
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_articles(url: str) -> set[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT url FROM articles")}


def pg_count(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SELECT count(*) FROM articles").fetchone()
    except psycopg.Error:  # the schema is not there yet
        return 0
    return int(row[0]) if row else 0


@pytest.mark.postgres
@pytest.mark.slow
def test_postgresql_going_away_mid_crawl(site: SampleSite, pg_database, tmp_path: Path) -> None:
    """The crawl's database refuses connections and loses its sessions mid-crawl.

    The crawl must stop by itself naming the database, its WARC files must hold every response
    it received, and a re-parse once the database is back must store every fetched article.
    """
    url, allow = pg_database
    data = tmp_path / "data"
    with serve(site, delay=DELAY) as server:
        crawl = start_crawl(server.url, data, tmp_path, "--db", url)
        wait_for(lambda: pg_count(url) >= 10, crawl, "10 articles were stored")
        allow(False)
        # The driver's own words follow, e.g. "... is not currently accepting connections"
        # or "server closed the connection unexpectedly", depending on what it was doing.
        assert_stopped_cleanly(crawl, "the database stopped accepting writes: "
                                      "database write failed: ")
    assert f"database:          {url}" in crawl.out(), "the summary does not name the database"

    received = crawled(crawl)
    assert_warcs_hold(data / "warc", received)
    fetched = article_urls(site, server.url, received)

    allow(True)
    before = pg_articles(url)
    assert fetched - before, "every fetched article was stored before the cut: nothing to test"
    result = run_cli("reparse", "--data-dir", str(data), "--db", url, "--workers", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    missing = fetched - pg_articles(url)
    assert not missing, f"{len(missing)} fetched articles are not stored after the re-parse: " \
                        f"{sorted(missing)[:5]}"


# -- SQLite, as an unprivileged user ---------------------------------------------------------


@pytest.fixture
def unprivileged() -> Iterator[tuple[Unprivileged, Path]]:
    """Who runs the crawl, and a folder of theirs to put its data dir in."""
    user = find_unprivileged()
    # Not under pytest's tmp_path: its root is private to root (0700).
    top = Path(tempfile.mkdtemp(prefix="chinareport-fault-"))
    os.chown(top, user.uid, user.uid)
    try:
        yield user, top
    finally:
        for path in [top, *top.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(top, ignore_errors=True)


def sqlite_count(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def sqlite_articles(path: Path) -> set[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {row[0] for row in db.execute("SELECT url FROM articles")}


def make_read_only(db: Path, owner: int) -> None:
    """chmod 0444 the database and its -wal/-shm files, 0555 their folder."""
    for path in sqlite_files(db):
        path.chmod(0o444)
    db.parent.chmod(0o555)


def replace_with_copies(db: Path, owner: int) -> None:
    """Put writable copies in place of the database files, as a restore from a backup would."""
    for path in sqlite_files(db):
        copy = path.with_name(path.name + ".copy")
        shutil.copy2(path, copy)
        os.chown(copy, owner, owner)
        copy.replace(path)


def sqlite_files(db: Path) -> list[Path]:
    return [p for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
            if p.exists()]


@pytest.mark.slow
@pytest.mark.parametrize(("fault", "mentions"), [
    (make_read_only, "is no longer writable"),
    (replace_with_copies, "was replaced"),
])
def test_sqlite_made_unwritable_mid_crawl(site: SampleSite, unprivileged, tmp_path: Path,
                                          fault: Callable[[Path, int], None],
                                          mentions: str) -> None:
    """The SQLite file is made read-only, or swapped for a copy, under a running crawl.

    In WAL mode neither makes SQLite itself fail: a running crawl keeps its connections,
    and their open file descriptors keep working. Permissions are checked only at open(),
    so chmod 0444 on the database, -wal and -shm files and 0555 on their folder change
    nothing for it; after a swap its writes go on, silently, into the unlinked old file
    (both tried by hand: every insert still succeeded). What stops the crawl is the store
    writer's check before each batch that the path is still the file it opened, and
    writable: this test is that the check works and that nothing is lost.
    """
    user, top = unprivileged
    data = top / "data"
    data.mkdir()
    os.chown(data, user.uid, user.uid)
    db = data / "articles.db"
    with serve(site, delay=DELAY) as server:
        crawl = start_crawl(server.url, data, tmp_path, as_user=user)
        wait_for(lambda: sqlite_count(db) >= 10, crawl, "10 articles were stored")
        fault(db, user.uid)
        assert_stopped_cleanly(crawl, "database", str(db), mentions)
    data.chmod(0o755)

    received = crawled(crawl)
    assert_warcs_hold(data / "warc", received)
    fetched = article_urls(site, server.url, received)
    assert fetched - sqlite_articles(db), "every fetched article was stored: nothing to test"

    fresh = tmp_path / "fresh.db"
    result = run_cli("reparse", "--data-dir", str(data), "--db", f"sqlite:///{fresh}",
                     "--workers", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    missing = fetched - sqlite_articles(fresh)
    assert not missing, f"{len(missing)} fetched articles are not stored after the re-parse: " \
                        f"{sorted(missing)[:5]}"


# -- the WARC folder turning read-only -------------------------------------------------------


def fetch_rows(db: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT id, url, status, fetched_at, warc_filename, warc_offset, warc_length, "
            "warc_record_type FROM fetches ORDER BY fetched_at, id").fetchall()


@pytest.mark.slow
def test_read_only_warc_folder_stops_the_crawl(site: SampleSite, unprivileged,
                                               tmp_path: Path) -> None:
    """The WARC folder turns read-only while small WARC files keep rotating (a stand-in for a
    full disk): the next file can be neither opened nor renamed from `.open`.

    The crawl must stop with a one-line error naming the folder; nothing fetched before the
    failure may be lost: every fetch row up to the failing response has a locator that reads
    back (once the next start has renamed a file left `.open`), and the rows without one all
    come at the end, from the failing response and the few already in flight.
    """
    user, top = unprivileged
    data = top / "data"
    data.mkdir()
    os.chown(data, user.uid, user.uid)
    warc_dir = data / "warc"
    with serve(site, delay=DELAY) as server:
        crawl = start_crawl(server.url, data, tmp_path, "--warc-max-size", "20000",
                            as_user=user)
        wait_for(lambda: len(list(warc_dir.glob("*.warc.gz"))) >= 3, crawl,
                 "three WARC files were closed")
        warc_dir.chmod(0o555)
        assert_stopped_cleanly(crawl, str(warc_dir))
    warc_dir.chmod(0o755)
    assert "WARC write failed" in crawl.err()

    from archive.recovery import recover_directory

    recover_directory(warc_dir)  # what the next crawl does first: closes a file left `.open`
    files = sorted(warc_dir.glob("*.warc.gz"))
    check = subprocess.run([WARCIO, "check", *map(str, files)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr

    rows = fetch_rows(data / "articles.db")
    located = [r for r in rows if r["warc_filename"]]
    assert len(located) >= 10, f"only {len(located)} fetches were archived before the fault"
    for row in located:
        record = read_record(warc_dir / row["warc_filename"], row["warc_offset"],
                             row["warc_length"])
        assert (record.uri, record.status) == (row["url"], row["status"]), dict(row)
    unlocated = [r for r in rows if not r["warc_filename"]]
    assert unlocated, "no fetch after the fault: the crawl did not reach the read-only folder"
    first = rows.index(unlocated[0])
    assert rows[first:] == unlocated, (
        "a fetch without a WARC record came before archived ones: "
        f"{[dict(r) for r in rows[first:] if r['warc_filename']][:3]}")
    assert len(unlocated) <= 16 + 2, (  # CONCURRENT_REQUESTS in flight, robots.txt, margin
        f"{len(unlocated)} fetches after the fault were not archived: the crawl went on")
