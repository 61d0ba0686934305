"""Two crawler processes share one Redis frontier and one PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from crawler.frontier.redis_scheduler import redis_keys
from crawler.sample_site import build_site

ARTICLES = 500

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def redis_prefix():
    import redis

    server = redis.Redis.from_url(os.environ["CHINAREPORT_TEST_REDIS"])
    prefix = f"chinareport-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    leftovers = list(server.scan_iter(f"{prefix}:*"))
    if leftovers:
        server.delete(*leftovers)


def test_two_workers_split_the_site_and_stop_when_the_frontier_is_empty(
    pg_url, redis_prefix, tmp_path
):
    import redis

    redis_url = os.environ["CHINAREPORT_TEST_REDIS"]
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.sample_site", "--articles", str(ARTICLES),
         "--delay", "0.1"],
        stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    workers = []
    try:
        for name in ("a", "b"):
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "crawler", "crawl", url + "/", "--db", pg_url,
                 "--data-dir", str(tmp_path / name), "--redis-url", redis_url,
                 "--redis-prefix", redis_prefix, "--idle-timeout", "5",
                 "-s", "AUTOTHROTTLE_ENABLED=False", "--log-level", "WARNING"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            ))
        results = [w.communicate(timeout=600) for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        server.terminate()
        server.wait()
    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err  # both stopped by themselves: the frontier ran dry
        assert "finish reason: finished" in out

    truth = set(build_site(ARTICLES).truth)
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        fetches = conn.execute(text("SELECT url, crawl_run_id FROM fetches")).all()
        stored = [urlsplit(u).path for (u,) in conn.execute(text("SELECT url FROM articles"))]
        runs = conn.execute(text("SELECT id, outcome FROM crawl_runs")).all()
    engine.dispose()
    assert sorted(r.outcome for r in runs) == ["finished", "finished"]
    per_article = Counter(urlsplit(u).path for u, _ in fetches if urlsplit(u).path in truth)
    assert set(per_article) == truth  # together they fetched every article
    assert max(per_article.values()) == 1  # and none twice, by one worker or both
    by_worker = Counter(run for u, run in fetches if urlsplit(u).path in truth)
    assert len(by_worker) == 2 and min(by_worker.values()) > 0  # both did a share
    assert len(stored) == len(set(stored)) == len(truth)
    names = {w: {p.name for p in (tmp_path / w / "warc").glob("*.warc.gz")} for w in "ab"}
    assert names["a"] and names["b"] and not names["a"] & names["b"]  # each its own WARCs
    left = redis.Redis.from_url(redis_url).keys(f"{redis_prefix}:*")
    assert left == [], "the last worker out cleans the crawl's Redis keys"
    assert set(redis_keys(redis_prefix)) >= {"queue", "seen"}
