"""Benchmark of the article database: store rate against bare inserts, keyword search latency.

    python bench/bench_db.py --n 100000            # SQLite in a temp folder
    CHINAREPORT_TEST_PG=postgresql://postgres@127.0.0.1:5432/test python bench/bench_db.py --pg

Articles are generated: bodies of about 2,000 characters drawn from the 3,755 common characters
(GB2312 level 1) in paragraphs, 厚街 planted in every 100th article, 乡村振兴 in every 200th and
高质量发展 in every 250th.  Targets (issue 5): store >= 50% of bare-insert speed; search median
< 50 ms and p95 < 200 ms at 100,000 articles.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text

from pipelines import search
from pipelines.db import open_engine
from pipelines.models import Article
from pipelines.query import search_articles
from pipelines.store import ArticleStore, StoreItem

COMMON = [
    bytes([lead, trail]).decode("gb2312")
    for lead in range(0xB0, 0xD8)
    for trail in range(0xA1, 0xFF)
    if not (lead == 0xD7 and trail > 0xF9)
]
CHANNELS = ["乡村", "经济", "城市", "产业", "文化", "科技", "生态", "社会"]
SOURCES = ["中国报道", "新华社", "人民网", "中国新闻网", "经济日报"]
PEOPLE = ["黄楚芳", "陈伟赞", "张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十"]
PLANTS = ((100, "厚街"), (200, "乡村振兴"), (250, "高质量发展"))
SEEN = datetime(2024, 3, 1, tzinfo=UTC)


def article(n: int) -> dict[str, Any]:
    """The n-th generated article (deterministic)."""
    rng = random.Random(n)
    paragraphs = []
    for _ in range(rng.randint(5, 9)):
        paragraphs.append("".join(rng.choices(COMMON, k=rng.randint(180, 320))) + "。")
    body = "\n".join(paragraphs)
    for every, word in PLANTS:
        if n % every == 0:
            at = rng.randrange(len(body))
            body = body[:at] + word + body[at:]
    title = "".join(rng.choices(COMMON, k=rng.randint(12, 24)))
    if n % 1000 == 0:
        title = "厚街" + title
    published = datetime(2020, 1, 1, 8, tzinfo=UTC) + timedelta(minutes=37 * n)
    return {
        "url": f"http://www.chinareports.org.cn/{CHANNELS[n % 8]}/{n}.html",
        "title": title,
        "published": published.isoformat(),
        "source": SOURCES[n % len(SOURCES)],
        "authors": rng.sample(PEOPLE, rng.randint(1, 2)),
        "editors": [rng.choice(PEOPLE)],
        "channel": CHANNELS[n % 8],
        "body": body,
        "images": [],
        "status": "ok",
        "parser_version": "bench",
    }


def batches(total: int, size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(1, total + 1, size):
        yield [article(n) for n in range(start, min(start + size, total + 1))]


def bench_store(url: str, total: int, size: int) -> float:
    """Articles per second through ArticleStore.store_articles (generation not timed)."""
    store = ArticleStore(open_engine(url))
    spent = 0.0
    for batch in batches(total, size):
        items = [StoreItem(record, SEEN) for record in batch]
        began = time.perf_counter()
        store.store_articles(items)
        spent += time.perf_counter() - began
    store.engine.dispose()
    return total / spent


def bench_bare(url: str, total: int, size: int, *, with_index: bool) -> float:
    """Articles per second through a bare Core executemany of the same article rows."""
    engine = open_engine(url)
    spent = 0.0
    next_id = 1
    for batch in batches(total, size):
        rows = []
        for record in batch:
            rows.append(
                {
                    "id": next_id,
                    "canonical_url": record["url"],
                    "url": record["url"],
                    "title": record["title"],
                    "published": datetime.fromisoformat(record["published"]),
                    "published_is_date": False,
                    "body": record["body"],
                    "images": [],
                    "status": "ok",
                    "missing": [],
                    "parser_version": "bench",
                    "page_count": 1,
                    "content_hash": "",
                    "first_seen": SEEN,
                    "last_seen": SEEN,
                    "last_changed": SEEN,
                }
            )
            next_id += 1
        began = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(Article.__table__), rows)
            if with_index:
                search.index_rows(conn, [(r["id"], r["title"], r["body"]) for r in rows])
        spent += time.perf_counter() - began
    engine.dispose()
    return total / spent


def latency(engine: Any, runs: int, **kwargs: Any) -> tuple[float, float, int]:
    """Median and p95 in ms of search_articles(**kwargs), and the hit count."""
    times = []
    hits = 0
    for _ in range(runs):
        began = time.perf_counter()
        hits = len(search_articles(engine, **kwargs))
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], hits


def search_cases(total: int) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(1)
    sample = article(rng.randint(1, total))["body"]
    at = rng.randrange(len(sample) - 4)
    random2 = next(
        sample[i : i + 2]
        for i in range(at, len(sample))
        if all(c in COMMON for c in sample[i : i + 2])
    )
    since = (
        (datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=37 * total // 2)).date().isoformat()
    )
    return [
        ("2-char 厚街", {"text": "厚街"}),
        (f"2-char random {random2}", {"text": random2}),
        ("4-char 乡村振兴", {"text": "乡村振兴"}),
        ("5-char 高质量发展", {"text": "高质量发展"}),
        ("two terms 厚街 乡村振兴", {"text": "厚街 乡村振兴"}),
        ("2-char 厚街 + channel", {"text": "厚街", "channel": "乡村"}),
        ("4-char 乡村振兴 + since", {"text": "乡村振兴", "since": since}),
        ("2-char 厚街 + author", {"text": "厚街", "author": "张三"}),
        ("no text, channel + since", {"channel": "经济", "since": since}),
    ]


def run_database(
    name: str,
    url: str,
    bare_url: str,
    bare_index_url: str,
    total: int,
    size: int,
    runs: int,
    *,
    bare: bool = True,
) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    stored = bench_store(url, total, size)
    rows.append((name, "ArticleStore.store_articles", f"{stored:,.0f} rows/s"))
    if bare:
        plain = bench_bare(bare_url, total, size, with_index=False)
        rows.append((name, "bare Core insert, articles only", f"{plain:,.0f} rows/s"))
        indexed = bench_bare(bare_index_url, total, size, with_index=True)
        rows.append((name, "bare Core insert + search index", f"{indexed:,.0f} rows/s"))
        rows.append((name, "store / bare (articles only)", f"{stored / plain:.0%}"))
        rows.append((name, "store / bare (+ search index)", f"{stored / indexed:.0%}"))
    engine = open_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # what autovacuum does after a bulk load
            conn.execute(text("ANALYZE"))
    for label, kwargs in search_cases(total):
        median, p95, hits = latency(engine, runs, limit=50, **kwargs)
        rows.append(
            (name, f"search {label}", f"median {median:.1f} ms, p95 {p95:.1f} ms ({hits} shown)")
        )
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            size_bytes = conn.execute(
                text(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema()"
                )
            ).scalar()
            rows.append((name, "database size", f"{(size_bytes or 0) / 2**20:,.0f} MiB"))
    engine.dispose()
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for the suite's table, on SQLite (and PostgreSQL with CHINAREPORT_TEST_PG).

    Sizes fit a benchmark run (2,000 articles quick, 20,000 full); the issue's full
    100,000-article figures come from `python bench/bench_db.py --n 100000 --pg`.
    """
    from bench.common import row

    total = 2_000 if quick else 20_000
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{tmp}/{name}.db" for name in ("store", "bare", "bare_ix")]
        for name, metric, value in run_database("sqlite", *urls, total, 500, 20):
            number = re.match(r"median ([\d.]+) ms, p95 ([\d.]+) ms", value)
            if number:
                median, p95 = float(number.group(1)), float(number.group(2))
                rows.append(row(f"db {name} ({total:,})", f"{metric}: median", [median], "ms",
                                target="< 50 ms", passed=median < 50))
                rows.append(row(f"db {name} ({total:,})", f"{metric}: p95", [p95], "ms",
                                target="< 200 ms", passed=p95 < 200))
            elif value.endswith("rows/s"):
                rows.append(row(f"db {name} ({total:,})", metric,
                                [float(value.split()[0].replace(",", ""))], "rows/s"))
            elif value.endswith("%"):
                rows.append(row(f"db {name} ({total:,})", metric, [float(value[:-1])], "%"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to generate")
    parser.add_argument("--batch", type=int, default=500, help="articles per store_articles call")
    parser.add_argument("--runs", type=int, default=30, help="repetitions per search case")
    parser.add_argument(
        "--pg", action="store_true", help="also run on PostgreSQL (CHINAREPORT_TEST_PG)"
    )
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-insert baselines")
    args = parser.parse_args()
    results: list[tuple[str, str, str]] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            urls = [f"sqlite:///{tmp}/{name}.db" for name in ("store", "bare", "bare_ix")]
            results += run_database("sqlite", *urls, args.n, args.batch, args.runs, bare=not args.no_bare)
            size = Path(tmp, "store.db").stat().st_size
            results.append(("sqlite", "database size", f"{size / 2**20:,.0f} MiB"))
    if args.pg:
        base = os.environ.get("CHINAREPORT_TEST_PG")
        if not base:
            parser.error("--pg needs CHINAREPORT_TEST_PG")
        import psycopg

        schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(3)]
        with psycopg.connect(base, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            urls = [f"{base}?options=-csearch_path%3D{schema}" for schema in schemas]
            results += run_database(
                "postgresql", *urls, args.n, args.batch, args.runs, bare=not args.no_bare
            )
        finally:
            with psycopg.connect(base, autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    width = max(len(op) for _, op, _ in results)
    print(f"{args.n:,} articles, batches of {args.batch}")
    for db, op, value in results:
        print(f"{db:<11} {op:<{width}}  {value}")


if __name__ == "__main__":
    main()
