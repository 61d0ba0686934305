"""Re-parse throughput: a WARC of sample-site responses read bare, parsed, and re-parsed into SQL.

Issue 4's target: re-parse with all cores at least 80% of (parser pages/s on one
core x cores). Run: python -m bench --only reparse, or python bench/bench_reparse.py.
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from warcio.archiveiterator import ArchiveIterator

from archive.writer import WarcWriter
from bench.common import Row, row

BASE = "http://bench.test"


def build_warc(directory: Path, articles: int) -> tuple[list[Path], list[tuple[str, bytes, dict]]]:
    """Archive every page of a generated sample site, gzip-encoded as a server sends it."""
    from crawler.sample_site import build_site

    site = build_site(articles).with_base_url(BASE)
    pages = []
    with WarcWriter(directory) as writer:
        for path, page in site.pages.items():
            if page.status != 200:
                continue
            headers = dict(page.headers)
            body = gzip.compress(page.body, mtime=0)
            writer.write_exchange(
                url=BASE + path, status=200, body=body,
                response_headers=[*page.headers, ("Content-Encoding", "gzip")],
                request_headers=[("User-Agent", "bench")],
            )
            pages.append((BASE + path, page.body, headers))
    return sorted(directory.glob("*.warc.gz")), pages


def bare_warcio(paths: list[Path]) -> float:
    """Records per second reading every record's decoded content with warcio alone."""
    start, count = time.perf_counter(), 0
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    record.content_stream().read()
                    count += 1
    return count / (time.perf_counter() - start)


def parser_alone(pages: list[tuple[str, bytes, dict]]) -> float:
    """Pages per second of the parser on one core over the same pages."""
    from crawler.parser import parse_page

    start = time.perf_counter()
    for url, body, headers in pages:
        parse_page(body, url, headers)
    return len(pages) / (time.perf_counter() - start)


def reparse_rate(paths: list[Path], db_dir: Path, workers: int, pages: int, *,
                 dry_run: bool = False) -> float:
    """Pages per second of a re-parse (read, parse on ``workers``, store) into SQLite."""
    from crawler.reparse import reparse
    from pipelines.db import open_engine

    engine = open_engine(f"sqlite:///{db_dir / f'reparse-{workers}-{time.monotonic_ns()}.db'}")
    start = time.perf_counter()
    reparse(paths, engine, workers=workers, dry_run=dry_run)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return pages / elapsed


def run(quick: bool = False) -> list[Row]:
    """Rows for the benchmark table."""
    articles = 1000 if quick else 5000
    runs = 1 if quick else 3
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        warc_dir = Path(tmp) / "warc"
        warc_dir.mkdir()
        paths, pages = build_warc(warc_dir, articles)
        bare, alone, full, dry = [], [], [], []
        for _ in range(runs):
            bare.append(bare_warcio(paths))
            alone.append(parser_alone(pages))
            full.append(reparse_rate(paths, Path(tmp), cores, len(pages)))
            dry.append(reparse_rate(paths, Path(tmp), cores, len(pages), dry_run=True))
    target = 0.8 * sorted(alone)[len(alone) // 2] * cores
    ratio = [f / (a * cores) for f, a in zip(full, alone, strict=True)]
    name = f"reparse ({len(pages)} responses)"
    return [
        row(name, "bare warcio read", bare, "records/s"),
        row(name, "parser alone, 1 core", alone, "pages/s"),
        row(name, f"reparse, {cores} workers", full, "pages/s",
            target=f">= {target:.0f} pages/s", passed=sorted(full)[len(full) // 2] >= target),
        row(name, f"reparse --dry-run (no store), {cores} workers", dry, "pages/s"),
        row(name, "reparse / (parser x cores)", ratio, "x", target=">= 0.80",
            passed=sorted(ratio)[len(ratio) // 2] >= 0.8),
    ]


if __name__ == "__main__":
    from bench.common import format_table

    print(format_table(run(quick="--quick" in sys.argv)))
