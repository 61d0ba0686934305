"""kill -9 of a crawl mid-write: the WARC reads back to its last complete record, the database
stays consistent, and the next crawl closes the leftover `.open` file and completes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.reader import iter_records
from archive.recovery import complete_members
from crawler.sample_site import build_site, serve

ROOT = Path(__file__).resolve().parents[1]


def crawl_command(url: str, data: Path, job: Path) -> list[str]:
    return [sys.executable, "-m", "crawler", "crawl", url + "/", "--data-dir", str(data),
            "--job-dir", str(job), "-s", "AUTOTHROTTLE_ENABLED=False"]


@pytest.mark.slow
def test_kill_9_mid_write_then_resume(tmp_path: Path) -> None:
    site = build_site(60)
    data, job = tmp_path / "data", tmp_path / "job"
    warc_dir = data / "warc"
    with serve(site, delay=0.05) as server:
        process = subprocess.Popen(crawl_command(server.url, data, job), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        leftovers: list[Path] = []
        while time.monotonic() < deadline and process.poll() is None:
            leftovers = [p for p in warc_dir.glob("*.open") if p.stat().st_size > 30_000]
            if leftovers:
                break
            time.sleep(0.02)
        assert leftovers and process.poll() is None, "the crawl ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
        [leftover] = list(warc_dir.glob("*.open"))

        # The WARC up to its last complete record reads back.
        count, end = complete_members(leftover)
        assert count >= 3  # warcinfo and at least one exchange
        prefix = tmp_path / "prefix.warc.gz"
        prefix.write_bytes(leftover.read_bytes()[:end])
        responses = list(iter_records([prefix]))
        assert responses and all(r.status for r in responses)

        # The database is consistent: integrity holds, no article without its content.
        with sqlite3.connect(data / "articles.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert db.execute("SELECT count(*) FROM articles WHERE title IS NULL "
                              "OR body IS NULL").fetchone() == (0,)
            fetched = db.execute("SELECT count(*) FROM fetches").fetchone()[0]
        assert fetched <= len(responses) + 20  # rows only for what was fetched

        # The next start closes the leftover and the resumed crawl completes.
        result = subprocess.run(crawl_command(server.url, data, job), cwd=ROOT,
                                capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not list(warc_dir.glob("*.open"))
    recovered = leftover.with_name(leftover.name.removesuffix(".open"))
    assert recovered.exists() and len(list(iter_records([recovered]))) >= len(responses)
    with sqlite3.connect(data / "articles.db") as db:
        stored = {row[0] for row in db.execute("SELECT url FROM articles")}
    for path in site.truth:
        assert server.url + path in stored, path
