"""Benchmark of `chinareport serve`: page render times over a large generated archive.

    python bench/bench_web.py --n 100000          # builds (once) and reuses bench/out/web_N/
    python bench/bench_web.py --n 100000 --pg     # the same on PostgreSQL (CHINAREPORT_TEST_PG)

Articles come from ``bench_db.article`` (2,000-character bodies, 厚街 in every 100th). Each
request goes through the whole app (routing, queries, templates) in process, by Starlette's test
client. Targets (issue 15): the search page with a two-character query and the article page
under 100 ms median and 300 ms p95 at 100,000 articles.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_db import SEEN, batches
from pipelines.db import open_engine
from pipelines.store import ArticleStore, StoreItem

OUT = Path(__file__).resolve().parent / "out"
TARGETS = {"median": 100.0, "p95": 300.0}  # ms, for the rows marked with a target


def build(url: str, total: int, size: int = 500) -> None:
    """Fill an empty database with ``total`` generated articles."""
    store = ArticleStore(open_engine(url))
    done = 0
    for batch in batches(total, size):
        store.store_articles([StoreItem(record, SEEN) for record in batch])
        done += len(batch)
        if done % 10_000 == 0:
            print(f"  stored {done:,}", file=sys.stderr)
    store.engine.dispose()


def cases(total: int) -> list[tuple[str, list[str], bool]]:
    """(label, paths to request in turn, has the issue's target)."""
    rng = random.Random(15)
    ids = [rng.randint(1, total) for _ in range(50)]
    q = quote("厚街")
    return [
        ("search page, 2-char 厚街", [f"/?q={q}"], True),
        ("search page, 2-char 乡村 (a channel name too)", [f"/?q={quote('乡村')}"], True),
        ("search page, 厚街 + channel", [f"/?q={q}&channel={quote('乡村')}"], True),
        ("search page, 厚街 page 3", [f"/?q={q}&page=3"], True),
        ("article page", [f"/articles/{i}" for i in ids], True),
        ("landing page (no query: all articles)", ["/"], False),
        ("API /api/articles?q=厚街", [f"/api/articles?q={q}"], False),
        ("API /api/articles/{id}", [f"/api/articles/{i}" for i in ids], False),
    ]


def measure(client: Any, paths: list[str], runs: int) -> tuple[float, float]:
    """Median and p95 (ms) over ``runs`` requests cycling through ``paths``."""
    for path in paths[:3]:  # warm the caches once
        assert client.get(path).status_code == 200, path
    times = []
    for n in range(runs):
        path = paths[n % len(paths)]
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def run_web(
    name: str, url: str, total: int, runs: int
) -> list[tuple[str, str, float, float, bool]]:
    from starlette.testclient import TestClient

    from crawler.web import create_app

    app = create_app(url, Path(tempfile.gettempdir()) / "no-warc")
    rows = []
    with TestClient(app) as client:
        for label, paths, targeted in cases(total):
            median, p95 = measure(client, paths, runs)
            rows.append((name, label, median, p95, targeted))
    app.state.site.engine.dispose()
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for the suite's table (`python -m bench --only web`): SQLite, a small archive."""
    from bench.common import row

    total = 2_000 if quick else 20_000
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/web.db"
        build(url, total)
        for _db, label, median, p95, targeted in run_web("sqlite", url, total, 30):
            for metric, value in (("median", median), ("p95", p95)):
                target = f"< {TARGETS[metric]:.0f} ms" if targeted else None
                passed = value < TARGETS[metric] if targeted else None
                out.append(
                    row(
                        f"web sqlite ({total:,})",
                        f"{label}: {metric}",
                        [value],
                        "ms",
                        target=target,
                        passed=passed,
                    )
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles in the archive")
    parser.add_argument("--runs", type=int, default=60, help="requests per case")
    parser.add_argument(
        "--pg", action="store_true", help="also on PostgreSQL (CHINAREPORT_TEST_PG)"
    )
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    results = []
    if not args.no_sqlite:
        folder = OUT / f"web_{args.n}"
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'articles.db'}"
        if not (folder / "complete").exists():
            for stale in folder.glob("articles.db*"):
                stale.unlink()
            print(
                f"building {args.n:,} articles in {folder} (kept for the next run)", file=sys.stderr
            )
            build(url, args.n)
            (folder / "complete").touch()
        results += run_web("sqlite", url, args.n, args.runs)
    if args.pg:
        base = os.environ.get("CHINAREPORT_TEST_PG")
        if not base:
            parser.error("--pg needs CHINAREPORT_TEST_PG")
        import psycopg
        from sqlalchemy import text

        schema = f"bench_web_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
            print(f"building {args.n:,} articles in PostgreSQL schema {schema}", file=sys.stderr)
            build(url, args.n)
            engine = open_engine(url)
            with engine.begin() as conn:  # what autovacuum does after a bulk load
                conn.execute(text("ANALYZE"))
            engine.dispose()
            results += run_web("postgresql", url, args.n, args.runs)
        finally:
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    print(f"{args.n:,} articles, {args.runs} requests per case (ms)")
    width = max(len(label) for _, label, *_ in results)
    for db, label, median, p95, targeted in results:
        verdict = ""
        if targeted:
            ok = median < TARGETS["median"] and p95 < TARGETS["p95"]
            verdict = "  target < 100 / < 300: " + ("met" if ok else "MISSED")
        print(f"{db:<11} {label:<{width}}  median {median:7.1f}  p95 {p95:7.1f}{verdict}")


if __name__ == "__main__":
    main()
