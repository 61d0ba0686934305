"""Re-parse archived WARC files with the current parser and store the results: no network.

Records are read in this process and parsed on all cores; pages of multi-page
articles are joined; the latest capture of each URL wins; storing goes
through the same store code as the live crawl.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import ArchiveError
from archive.reader import ArchivedResponse, iter_records, warc_datetime
from crawler.frontier.links import is_continuation_page
from crawler.parser import merge_pages, parse_page
from crawler.parser.record import STATUS_NOT_ARTICLE, Article

logger = logging.getLogger(__name__)

COMPARED_FIELDS = ("title", "published", "source", "authors", "editors", "channel", "body",
                   "images", "status")
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
                 progress: Callable[[int, int], None]) -> Iterator[PageInput]:
    for path in paths:
        done = 0
        try:
            for response in iter_records([path]):
                report.records += 1
                offset = response.locator.offset
                progress(offset - done, report.records)
                done = offset
                if _is_html_page(response):
                    headers = {k: v for k, v in response.headers}
                    yield response.uri, response.date, headers, response.body
        except (ArchiveError, OSError) as exc:
            report.errors.append(str(exc))
            logger.error("%s", exc)
        progress(max(path.stat().st_size - done, 0) if path.exists() else 0, report.records)


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


class PageJoiner:
    """Hold page 1 of a multi-page article until its further pages have been parsed."""

    def __init__(self) -> None:
        self.waiting: dict[str, tuple[str, Article]] = {}  # page-1 URL -> (date, page 1)
        self.owner: dict[str, str] = {}  # page 2..n URL -> its page-1 URL
        self.pages: dict[str, Article] = {}  # page 2..n URL -> parsed page

    def add(self, uri: str, date: str, article: Article) -> list[tuple[str, Article]]:
        """Take one parsed page; return the articles that are now complete."""
        if is_continuation_page(uri) or uri in self.owner:
            self.pages[uri] = article
            first = self.owner.get(uri)
            return self._complete(first) if first else []
        if not article.next_pages:
            return [(date, article)]
        self.waiting[uri] = (date, article)
        for page in article.next_pages:
            self.owner[page] = uri
        return self._complete(uri)

    def _complete(self, first: str) -> list[tuple[str, Article]]:
        article = self.waiting[first][1]
        if any(page not in self.pages for page in article.next_pages):
            return []
        return [self._merge(first)]

    def _merge(self, first: str) -> tuple[str, Article]:
        date, article = self.waiting.pop(first)
        rest = [self.pages.pop(page) for page in article.next_pages if page in self.pages]
        for page in article.next_pages:
            self.owner.pop(page, None)
        return date, merge_pages(article, rest)

    def leftovers(self) -> list[tuple[str, Article]]:
        """Articles whose further pages never arrived: stored with the pages there are."""
        return [self._merge(first) for first in list(self.waiting)]


def changed_fields(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """The record fields that differ between a stored record and a new one."""
    if old is None:
        return []
    return [name for name in COMPARED_FIELDS if old.get(name) != new.get(name)]


_RANK = {"unchanged": 0, "changed": 1, "new": 2}


class _Storer:
    """Store complete articles in batches, noting outcomes and changed fields."""

    def __init__(self, engine: Any, report: ReparseReport, dry_run: bool) -> None:
        from pipelines.store import ArticleStore

        self.engine = engine
        self.store = ArticleStore(engine)
        self.report = report
        self.dry_run = dry_run
        self.batch: list[tuple[str, Article]] = []
        self.outcome: dict[str, str] = {}  # canonical URL -> strongest outcome seen

    def add(self, items: list[tuple[str, Article]]) -> None:
        self.batch.extend(items)
        if len(self.batch) >= 200:
            self.flush()

    def flush(self) -> None:
        from pipelines.normalise import normalise_record
        from pipelines.store import StoreItem, seen_moves

        if not self.batch:
            return
        batch, self.batch = self.batch, []
        prepared = self.store.prepare(
            StoreItem(normalise_record(article.to_record()), warc_datetime(date),
                      article.charset, article.published_raw, article.page_count)
            for date, article in batch
        )
        keys = [prep.canonical for prep in prepared]
        stored = self._stored_states(keys)
        expected = []
        for prep in prepared:
            state = stored.get(prep.canonical)
            if state is None:
                expected.append("new")
            elif state.content_hash == prep.hash:
                expected.append("unchanged")
            else:
                expected.append("changed")
        changed = [key for key, outcome in zip(keys, expected, strict=True) if outcome == "changed"]
        if changed:
            before = self._stored_records(changed)
            for prep, outcome in zip(prepared, expected, strict=True):
                if outcome == "changed":
                    self.report.changed_fields.update(
                        changed_fields(before.get(prep.canonical), prep.item.record)
                    )
        outcomes = expected
        if not self.dry_run:
            # What the store would leave as it is (the same content, seen within the stored
            # first/last seen, read by the same parser version) is not sent to it.
            once = Counter(keys)
            send = [
                i for i, prep in enumerate(prepared)
                if expected[i] != "unchanged" or once[prep.canonical] > 1
                or seen_moves(prep.item, stored[prep.canonical])
            ]
            stored_outcomes = self.store.store_prepared([prepared[i] for i in send])
            outcomes = list(expected)
            for i, outcome in zip(send, stored_outcomes, strict=True):
                outcomes[i] = outcome
        for key, outcome in zip(keys, outcomes, strict=True):
            if key not in self.outcome or _RANK[outcome] > _RANK[self.outcome[key]]:
                self.outcome[key] = outcome

    def _stored_records(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        from pipelines.models import Article as ArticleRow
        from pipelines.records import article_select, load_records

        with self.engine.connect() as conn:
            rows = conn.execute(article_select().where(ArticleRow.canonical_url.in_(keys))).all()
            records = load_records(conn, rows)
        return {row.canonical_url: record for row, record in zip(rows, records, strict=True)}

    def _stored_states(self, keys: list[str]) -> dict[str, Any]:
        from sqlalchemy import select

        from pipelines.models import Article as ArticleRow

        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ArticleRow.canonical_url, ArticleRow.content_hash,
                       ArticleRow.parser_version, ArticleRow.first_seen, ArticleRow.last_seen)
                .where(ArticleRow.canonical_url.in_(keys))
            )
            return {row.canonical_url: row for row in rows}



def reparse(paths: list[Path], engine: Any, *, workers: int | None = None, dry_run: bool = False,
            progress: Callable[[int, int], None] = lambda size, records: None) -> ReparseReport:
    """Rebuild article records from ``paths`` into the database behind ``engine``."""
    report = ReparseReport()
    joiner = PageJoiner()
    storer = _Storer(engine, report, dry_run)
    pages = _page_inputs(paths, report, progress)
    for uri, date, article in parsed_pages(pages, workers or os.cpu_count() or 1):
        report.pages += 1
        if article.status != STATUS_NOT_ARTICLE:
            storer.add(joiner.add(uri, date, article))
    storer.add(joiner.leftovers())
    storer.flush()
    report.outcomes.update(storer.outcome.values())
    return report
