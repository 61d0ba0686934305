"""The crawl lock: one crawl per database, a one-line refusal naming the holder, gone with kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crawler.jobs.lock import CrawlLock, LockBusy, lock_identity


def _holder_process(db_url: str, data_dir: Path, shared: bool = False) -> subprocess.Popen[str]:
    """A separate process that takes the lock, says so, and sleeps until killed."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from crawler.jobs.lock import CrawlLock
        lock = CrawlLock({db_url!r}, Path({str(data_dir)!r}), shared={shared}).acquire()
        print("locked", flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_lock_on_the_same_sqlite_file_is_refused_naming_the_holder(tmp_path):
    url = f"sqlite:///{tmp_path}/data/articles.db"
    holder = _holder_process(url, tmp_path / "data")
    try:
        with pytest.raises(LockBusy) as refused:
            CrawlLock(url, tmp_path / "data").acquire()
        message = str(refused.value)
        assert f"pid {holder.pid}" in message
        assert socket.gethostname() in message
        assert "\n" not in message
    finally:
        holder.kill()
        holder.wait()


def test_kill_9_releases_the_lock(tmp_path):
    url = f"sqlite:///{tmp_path}/articles.db"
    holder = _holder_process(url, tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with CrawlLock(url, tmp_path) as lock:
        assert lock.identity == lock_identity(url)


def test_same_file_reached_by_another_path_is_the_same_lock(tmp_path):
    (tmp_path / "a").mkdir()
    first = CrawlLock(f"sqlite:///{tmp_path}/a/articles.db", tmp_path).acquire()
    try:
        with pytest.raises(LockBusy):
            CrawlLock(f"sqlite:///{tmp_path}/a/../a/articles.db", tmp_path / "x").acquire()
        CrawlLock(f"sqlite:///{tmp_path}/b.db", tmp_path).acquire().release()  # another database
    finally:
        first.release()


def test_distributed_workers_share_the_lock_and_keep_a_plain_crawl_out(tmp_path):
    url = f"sqlite:///{tmp_path}/articles.db"
    worker = _holder_process(url, tmp_path, shared=True)
    try:
        CrawlLock(url, tmp_path, shared=True).acquire().release()  # a second worker joins
        with pytest.raises(LockBusy):
            CrawlLock(url, tmp_path).acquire()
    finally:
        worker.kill()
        worker.wait()


def test_child_of_a_schedule_runs_under_its_parents_lock(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/articles.db"
    parent = CrawlLock(url, tmp_path).acquire()
    try:
        monkeypatch.setenv("CHINAREPORT_LOCK_HELD", parent.identity)
        CrawlLock(url, tmp_path).acquire().release()
        monkeypatch.setenv("CHINAREPORT_LOCK_HELD", "sqlite:/some/other.db")
        with pytest.raises(LockBusy):
            CrawlLock(url, tmp_path).acquire()
    finally:
        parent.release()


def test_crawl_command_exits_at_once_with_one_line(tmp_path):
    data = tmp_path / "data"
    holder = _holder_process(f"sqlite:///{data}/articles.db", data)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "http://127.0.0.1:9/", "--data-dir",
             str(data)],
            check=False, capture_output=True, text=True, timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 75  # EX_TEMPFAIL: cron wrappers and systemd may skip, not fail
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "another crawl is running" in lines[0] and f"pid {holder.pid}" in lines[0]


@pytest.mark.postgres
def test_postgresql_advisory_lock_is_per_database_and_schema_and_dies_with_its_process(
    pg_url, tmp_path
):
    holder = _holder_process(pg_url, tmp_path / "a")
    try:
        # Another machine would have another data dir: the lock lives in the server.
        with pytest.raises(LockBusy) as refused:
            CrawlLock(pg_url, tmp_path / "b").acquire()
        assert f"pid {holder.pid}" in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
    with CrawlLock(pg_url, tmp_path / "b"):
        pass
