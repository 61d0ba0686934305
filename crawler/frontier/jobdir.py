"""The job dir of a resumable crawl: Scrapy's disk queue plus our seen set, trusted only if closed.

Scrapy writes its queue's index (``requests.queue/active.json``) only when the crawl
closes, so after a kill -9 the queue and the seen set cannot be trusted. A marker file
says whether the last crawl closed the job dir; if it did not, both are discarded and the
crawl rebuilds its frontier from the listing pages, while the database (completed from
the killed run's WARC records, see ``crawler.jobs.resume``) keeps it from fetching an article
twice.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
from pathlib import Path

from crawler.frontier.seen import DUPES_FILE, SEEN_FILE

logger = logging.getLogger(__name__)

MARKER = "chinareport-job.json"
_VOLATILE = ("requests.queue", "requests.seen",
             *(name + end for name in (SEEN_FILE, DUPES_FILE) for end in ("", "-wal", "-shm")))


def open_job_dir(path: Path) -> bool:
    """Make ``path`` ready for a crawl; returns False when it was left by a crashed one.

    A job dir closed by an interrupted crawl resumes (queue and seen set kept); one left by
    a finished or crashed crawl starts afresh.
    """
    path.mkdir(parents=True, exist_ok=True)
    marker = path / MARKER
    clean = True
    if marker.exists():
        try:
            state = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {"state": "running"}
        if state.get("state") == "running":
            clean = False
            logger.warning("job dir %s was not closed by its last crawl (pid %s): "
                           "discarding its queue and seen set, rebuilding from the listings",
                           path, state.get("pid"))
        if state.get("state") != "closed":  # crashed, or finished: the next crawl starts afresh
            for name in _VOLATILE:
                target = path / name
                if target.is_dir():
                    shutil.rmtree(target, ignore_errors=True)
                elif target.exists():
                    target.unlink()
    _write(marker, "running")
    return clean


def close_job_dir(path: Path, *, finished: bool) -> None:
    """Record how the crawl left the job dir: finished (start afresh) or stopped (resume)."""
    marker = path / MARKER
    if marker.exists():
        _write(marker, "finished" if finished else "closed")


def _write(marker: Path, state: str) -> None:
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps({"state": state, "pid": os.getpid(),
                               "host": socket.gethostname()}), encoding="utf-8")
    os.replace(tmp, marker)
