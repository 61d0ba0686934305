"""Resuming a crawl killed with SIGKILL: nothing lost, nothing fetched twice, the run interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from archive.reader import iter_records
from crawler.frontier.jobdir import MARKER, close_job_dir, open_job_dir
from crawler.sample_site import build_site

ARTICLES = 1000


def test_job_dir_left_running_is_discarded_and_a_closed_one_is_kept(tmp_path):
    job = tmp_path / "job"
    assert open_job_dir(job) is True
    (job / "requests.queue").mkdir()
    (job / "seen.sqlite").write_bytes(b"x")
    assert open_job_dir(job) is False  # "running": its last crawl died
    assert not (job / "requests.queue").exists() and not (job / "seen.sqlite").exists()
    (job / "seen.sqlite").write_bytes(b"x")
    close_job_dir(job, finished=False)
    assert open_job_dir(job) is True  # stopped cleanly: resume with its state
    assert (job / "seen.sqlite").exists() and (job / MARKER).exists()
    close_job_dir(job, finished=True)
    open_job_dir(job)  # finished: the next crawl starts afresh
    assert not (job / "seen.sqlite").exists()


def _count(engine, sql: str) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    except Exception:  # noqa: BLE001 - not created yet
        return 0


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory):
    """Crawl a 1,000-article site served slowly, SIGKILL it mid-way, resume with the job dir."""
    base = tmp_path_factory.mktemp("resume")
    data, job = base / "data", base / "job"
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.sample_site", "--articles", str(ARTICLES),
         "--delay", "0.02"],
        stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    command = [sys.executable, "-m", "crawler", "crawl", url + "/", "--data-dir", str(data),
               "--job-dir", str(job), "-s", "AUTOTHROTTLE_ENABLED=False", "--log-level",
               "WARNING"]
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    try:
        first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 240
        while (_count(engine, "SELECT count(*) FROM fetches") < 300
               and first.poll() is None and time.monotonic() < deadline):
            time.sleep(0.1)
        assert first.poll() is None, "the first crawl ended before it could be killed"
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        open_files = sorted((data / "warc").glob("*.open"))
        stored_before = _count(engine, "SELECT count(*) FROM articles")
        second = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
        assert second.returncode == 0, second.stderr
    finally:
        server.terminate()
        server.wait()
    yield {"data": data, "engine": engine, "first_pid": first.pid, "open_files": open_files,
           "stored_before": stored_before, "second": second,
           "site": build_site(ARTICLES)}
    engine.dispose()


def test_the_kill_left_an_open_warc_and_work_undone(killed_and_resumed):
    assert killed_and_resumed["open_files"], "the killed crawl left its WARC open"
    assert killed_and_resumed["stored_before"] < ARTICLES


def test_every_article_is_stored_exactly_once(killed_and_resumed):
    engine, site = killed_and_resumed["engine"], killed_and_resumed["site"]
    with engine.connect() as conn:
        paths = [urlsplit(u).path for (u,) in conn.execute(text("SELECT url FROM articles"))]
    assert len(paths) == len(set(paths)) == len(site.truth)
    assert set(paths) == set(site.truth)


def test_no_article_page_was_fetched_twice_across_both_runs(killed_and_resumed):
    engine, site = killed_and_resumed["engine"], killed_and_resumed["site"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT url, crawl_run_id FROM fetches")).all()
    per_article = Counter(urlsplit(u).path for u, _ in rows if urlsplit(u).path in site.truth)
    assert set(per_article) == set(site.truth)
    twice = {p: n for p, n in per_article.items() if n > 1}
    assert not twice, f"{len(twice)} article pages fetched more than once"
    runs = {run for u, run in rows if urlsplit(u).path in site.truth}
    assert runs == {1, 2}  # both runs fetched articles: the second did resume


def test_the_killed_run_is_recorded_interrupted(killed_and_resumed):
    with killed_and_resumed["engine"].connect() as conn:
        runs = conn.execute(text("SELECT id, outcome, finished FROM crawl_runs ORDER BY id")).all()
    assert [r.outcome for r in runs] == ["interrupted", "finished"]
    assert runs[0].finished is not None
    assert "marked interrupted" in killed_and_resumed["second"].stderr


def test_the_killed_runs_warc_is_closed_and_readable(killed_and_resumed):
    warc_dir = killed_and_resumed["data"] / "warc"
    assert not list(warc_dir.glob("*.open"))
    pid = killed_and_resumed["first_pid"]
    files = sorted(warc_dir.glob(f"*-{pid}.warc.gz"))
    assert files
    records = list(iter_records(files))  # raises ArchiveError on any damage
    with killed_and_resumed["engine"].connect() as conn:
        located = conn.execute(text(
            "SELECT count(*) FROM fetches WHERE crawl_run_id = 1 AND warc_filename IS NOT NULL"
        )).scalar_one()
    assert len(records) == located  # every archived response of the killed run has its row
