"""Before a crawl starts: close what a killed crawl left open, and make the database whole again.

A kill -9 loses what the store writer still held in memory, but every response already
reached the WARC file first. So the next start (under the crawl lock):

1. closes WARC files left ``.open`` (``archive.recovery``), keeping every complete record;
2. finds the runs with no end whose process is gone;
3. reads those runs' WARC files (named with their host and pid) and adds the fetch rows the
   database lacks, and stores the articles they hold (an idempotent upsert), so the new
   crawl sees them as fetched and does not fetch them again;
4. marks those runs ``interrupted``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from archive.errors import ArchiveError
from archive.reader import ArchivedResponse, iter_records, warc_datetime
from archive.recovery import recover_directory
from archive.writer import WARC_SUFFIX, safe_host_name
from crawler.jobs.lock import CrawlLock, LockBusy
from crawler.jobs.reparse import PageJoiner
from crawler.jobs.runs import DeadRun, dead_runs, mark_interrupted
from crawler.parser import parse_page
from crawler.parser.record import STATUS_NOT_ARTICLE, Article
from pipelines.db import open_engine
from pipelines.models import Fetch
from pipelines.normalise import normalise_record
from pipelines.store import ArticleStore, StoreItem

logger = logging.getLogger(__name__)


@dataclass
class ResumeReport:
    """What the start-up repair did."""

    recovered_files: int = 0
    interrupted_runs: list[int] = field(default_factory=list)
    fetches_added: int = 0
    articles: dict[str, int] = field(default_factory=dict)


def run_warc_files(warc_dir: Path, run: DeadRun) -> list[Path]:
    """The WARC files a run's process wrote (by host and pid in the name, after its start)."""
    host, pid = run.arguments.get("host"), run.arguments.get("pid")
    if not host or not pid or not warc_dir.is_dir():
        return []
    suffix = f"-{safe_host_name(str(host))}-{pid}{WARC_SUFFIX}"
    started = run.started.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    files = []
    for path in sorted(warc_dir.glob(f"*{suffix}")):
        stamp = path.name.split("-", 2)[1] if path.name.count("-") >= 2 else ""
        if stamp[:14] >= started:
            files.append(path)
    return files


def _fetch_row(run_id: int, response: ArchivedResponse) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "url": response.uri,
        "status": response.status or None,
        "warc": response.locator.as_dict(),
        "fetched_at": warc_datetime(response.date),
        "etag": response.header("ETag"),
        "last_modified": response.header("Last-Modified"),
    }


def _is_page(response: ArchivedResponse) -> bool:
    content_type = (response.header("Content-Type") or "text/html").lower()
    return response.record_type == "response" and response.status == 200 and (
        "html" in content_type or "text/plain" not in content_type and "text" in content_type
    )


def complete_run(engine: Engine, warc_dir: Path, run: DeadRun) -> tuple[int, dict[str, int]]:
    """Add a dead run's missing fetch rows and store its articles from its WARC files."""
    files = run_warc_files(warc_dir, run)
    if not files:
        return 0, {}
    with engine.connect() as conn:
        known = {
            (name, offset)
            for name, offset in conn.execute(
                select(Fetch.warc_filename, Fetch.warc_offset).where(
                    Fetch.warc_filename.in_([p.name for p in files])
                )
            )
        }
    store = ArticleStore(engine)
    fetches: list[dict[str, Any]] = []
    joiner = PageJoiner()
    complete: list[tuple[str, Article]] = []
    for path in files:
        try:
            for response in iter_records([path]):
                if (path.name, response.locator.offset) not in known:
                    fetches.append(_fetch_row(run.id, response))
                if _is_page(response):
                    article = parse_page(response.body, response.uri, dict(response.headers))
                    if article.status != STATUS_NOT_ARTICLE:
                        complete += joiner.add(response.uri, response.date, article)
        except ArchiveError as exc:
            logger.error("reading %s: %s", path, exc)
    complete += joiner.leftovers()
    added = store.record_fetches(fetches)
    items = [
        StoreItem(normalise_record(article.to_record()), warc_datetime(when), article.charset,
                  article.published_raw, article.page_count)
        for when, article in complete
    ]
    outcomes: dict[str, int] = {}
    for outcome in store.store_articles(items) if items else []:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    logger.warning("crawl run %s: %d fetch rows and %d articles recovered from %d WARC files",
                   run.id, added, outcomes.get("new", 0), len(files))
    return added, outcomes


def prepare_crawl(engine: Engine, warc_dir: Path, *, exclusive: bool) -> ResumeReport:
    """Repair what crashed crawls left behind; call with the crawl lock held."""
    report = ResumeReport()
    try:
        report.recovered_files = len(recover_directory(warc_dir))
    except ArchiveError as exc:
        logger.error("could not recover open WARC files: %s", exc)
    runs = dead_runs(engine, exclusive=exclusive)
    for run in runs:
        added, outcomes = complete_run(engine, warc_dir, run)
        report.fetches_added += added
        for key, n in outcomes.items():
            report.articles[key] = report.articles.get(key, 0) + n
    mark_interrupted(engine, runs)
    report.interrupted_runs = [run.id for run in runs]
    return report


def lock_and_repair(db_url: str, data_dir: Path, warc_dir: Path, *, shared: bool,
                    command: str) -> tuple[CrawlLock | None, str | None]:
    """The crawl lock, taken and with crashed runs repaired, for a crawl no command started.

    `scrapy crawl` and Scrapyd start a crawl without `chinareport crawl` around it: its crawl
    session calls this (setting CHINAREPORT_LOCK_AND_REPAIR). Returns the lock (None when not
    taken) and, when the crawl must not run, one line saying why.
    """
    lock: CrawlLock | None = None
    try:
        lock = CrawlLock(db_url, data_dir, shared=shared, command=command).acquire()
        engine = open_engine(db_url)
        try:
            prepare_crawl(engine, warc_dir, exclusive=not shared)
        finally:
            engine.dispose()
    except LockBusy as exc:
        return lock, str(exc)
    except Exception as exc:  # noqa: BLE001 - e.g. the database is unreachable: one line
        return lock, f"cannot take the crawl lock: {exc}"
    return lock, None
