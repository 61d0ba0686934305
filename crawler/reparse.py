"""Re-parse archived WARC files with the current parser and store the results: no network.

Records are read in this process and parsed on all cores; pages of multi-page
articles are joined; the latest capture of each URL wins; storing goes
through the same store code as the live crawl.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.errors import ArchiveError
from archive.reader import ArchivedResponse, iter_records
from crawler.parser import merge_pages, parse_page
from crawler.parser.record import STATUS_NOT_ARTICLE, Article

logger = logging.getLogger(__name__)

COMPARED_FIELDS = ("title", "published", "source", "authors", "editors", "channel", "body",
                   "images", "status")
_CONTINUATION = re.compile(r"_(?:[2-9]|[1-9]\d+)\.s?html?$")
_BATCH = 64

# One page to parse: (uri, warc date, headers, decoded body).
PageInput = tuple[str, str, dict[str, str], bytes]


@dataclass
class ReparseReport:
    """What a re-parse found and did."""

    records: int = 0
    pages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    changed_fields: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def warc_files(paths: Iterable[Path]) -> list[Path]:
    """The WARC files named, folders expanded to the WARCs they hold."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.name.endswith((".warc.gz", ".warc"))))
        else:
            found.append(path)
    return found


def _is_html_page(response: ArchivedResponse) -> bool:
    if response.record_type != "response" or response.status != 200:
        return False
    content_type = (response.header("Content-Type") or "text/html").lower()
    return "html" in content_type or "xml" not in content_type and "text" in content_type


def _page_inputs(paths: list[Path], report: ReparseReport,
                 progress: Callable[[int], None]) -> Iterator[PageInput]:
    for path in paths:
        done = 0
        try:
            for response in iter_records([path]):
                report.records += 1
                offset = response.locator.offset
                progress(offset - done)
                done = offset
                if _is_html_page(response):
                    headers = {k: v for k, v in response.headers}
                    yield response.uri, response.date, headers, response.body
        except (ArchiveError, OSError) as exc:
            report.errors.append(str(exc))
            logger.error("%s", exc)
        progress(max(path.stat().st_size - done, 0) if path.exists() else 0)


def parse_batch(batch: list[PageInput]) -> list[tuple[str, str, Article]]:
    """Parse a batch of archived pages (runs in a worker process)."""
    return [(uri, date, parse_page(body, uri, headers)) for uri, date, headers, body in batch]


def _batches(items: Iterator[PageInput], size: int) -> Iterator[list[PageInput]]:
    batch: list[PageInput] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def parsed_pages(pages: Iterator[PageInput], workers: int) -> Iterator[tuple[str, str, Article]]:
    """Parse pages on ``workers`` processes, keeping a bounded number of batches in flight."""
    if workers <= 1:
        for batch in _batches(pages, _BATCH):
            yield from parse_batch(batch)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[list[tuple[str, str, Article]]]] = []
        for batch in _batches(pages, _BATCH):
            pending.append(pool.submit(parse_batch, batch))
            while len(pending) > workers * 3:
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()


def latest_articles(parsed: Iterable[tuple[str, str, Article]],
                    report: ReparseReport) -> list[tuple[datetime, Article]]:
    """The latest capture of each article URL, pages 2..n merged into their page 1."""
    firsts: dict[str, tuple[str, Article]] = {}
    continuations: dict[str, tuple[str, Article]] = {}
    for uri, date, article in parsed:
        report.pages += 1
        if article.status == STATUS_NOT_ARTICLE:
            continue
        target = continuations if _CONTINUATION.search(uri.split("?", 1)[0]) else firsts
        if uri not in target or target[uri][0] <= date:
            target[uri] = (date, article)
    merged = []
    for date, article in firsts.values():
        if article.next_pages:
            rest = [continuations[u][1] for u in article.next_pages if u in continuations]
            article = merge_pages(article, rest)
        merged.append((_parse_warc_date(date), article))
    merged.sort(key=lambda item: item[0])
    return merged


def _parse_warc_date(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)


def changed_fields(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """The record fields that differ between a stored record and a new one."""
    if old is None:
        return []
    return [name for name in COMPARED_FIELDS if old.get(name) != new.get(name)]


def reparse(paths: list[Path], engine: Any, *, workers: int | None = None, dry_run: bool = False,
            progress: Callable[[int], None] = lambda n: None) -> ReparseReport:
    """Rebuild article records from ``paths`` into the database behind ``engine``."""
    from pipelines.normalise import normalise_record
    from pipelines.query import get_article
    from pipelines.store import ArticleStore

    report = ReparseReport()
    store = ArticleStore(engine)
    pages = _page_inputs(paths, report, progress)
    articles = latest_articles(parsed_pages(pages, workers or os.cpu_count() or 1), report)
    for fetched_at, article in articles:
        record = normalise_record(article.to_record())
        existing = get_article(engine, article.url)
        diff = changed_fields(existing, record)
        report.changed_fields.update(diff)
        if dry_run:
            outcome = "new" if existing is None else ("changed" if diff else "unchanged")
        else:
            outcome = store.store_article(record, fetched_at=fetched_at, charset=article.charset,
                                          published_raw=article.published_raw,
                                          page_count=article.page_count)
        report.outcomes[outcome] += 1
    return report
