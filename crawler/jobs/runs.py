"""Crawl-run bookkeeping the store does not do itself: who ran a run, and closing dead runs.

A run row whose process died (kill -9, power loss) has no end; the next crawl on the
database marks it ``interrupted``. Under the exclusive crawl lock every unfinished run is
dead; workers of a distributed crawl (shared lock) only close runs of dead processes on
their own host.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from pipelines.db import write_transaction
from pipelines.models import CrawlRun, Fetch

logger = logging.getLogger(__name__)

INTERRUPTED = "interrupted"


def run_identity() -> dict[str, Any]:
    """What a run row records about its process."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class DeadRun:
    """An unfinished run closed as interrupted."""

    id: int
    arguments: dict[str, Any]
    started: datetime


def dead_runs(engine: Engine, *, exclusive: bool) -> list[DeadRun]:
    """Runs left without an end by a process that is gone."""
    host = socket.gethostname()
    found: list[DeadRun] = []
    with engine.connect() as conn:
        rows = conn.execute(
            select(CrawlRun.id, CrawlRun.arguments, CrawlRun.started).where(
                CrawlRun.finished.is_(None), CrawlRun.outcome.is_(None)
            )
        ).all()
    for row in rows:
        args = dict(row.arguments or {})
        pid = args.get("pid")
        mine = args.get("host") == host and isinstance(pid, int)
        if mine and pid == os.getpid():
            continue
        if not exclusive and not (mine and not _alive(int(pid or 0))):
            continue  # a cooperating worker may still be running it
        found.append(DeadRun(row.id, args, row.started))
    return found


def mark_interrupted(engine: Engine, runs: list[DeadRun]) -> None:
    """Close dead runs as interrupted, with the pages their fetches show."""
    with write_transaction(engine) as conn:
        for run in runs:
            pages, last = conn.execute(
                select(func.count(Fetch.id), func.max(Fetch.fetched_at)).where(
                    Fetch.crawl_run_id == run.id
                )
            ).one()
            conn.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run.id, CrawlRun.finished.is_(None))
                .values(outcome=INTERRUPTED, finished=last or datetime.now(UTC),
                        counts={"pages_fetched": int(pages),
                                "note": "the process ended without closing the run; "
                                        "counts from the fetches stored"})
            )
            logger.warning("crawl run %s (pid %s) ended without closing: marked interrupted",
                           run.id, run.arguments.get("pid"))
