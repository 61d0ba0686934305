"""Which log records of a crawl a person watching it sees: the warnings that matter, one line each.

The run's log file keeps everything. Per-URL network events (timeouts, retries given up,
truncated or oversized bodies, HTTP errors) are counted in the summary and stay in that file.
Any other warning or error is one line on the console. A record with a traceback that is not
an expected network fault is a bug: the console says so in one line naming the log file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from crawler.jobs.run_log import network_fault

# Loggers whose warnings are about one URL's fetch: the network's weather, not news.
NETWORK_LOGGERS = (
    "scrapy.core.downloader",
    "scrapy.downloadermiddlewares",
    "scrapy.spidermiddlewares.httperror",
    "crawler.downloadermiddlewares",
)


def _under(name: str, parents: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in parents)


def console_line(record: logging.LogRecord, log_file: Path | None) -> str | None:
    """The one line a person sees for ``record``, or None when it belongs in the log file only."""
    exc = record.exc_info[1] if record.exc_info else None
    if _under(record.name, NETWORK_LOGGERS) or network_fault(exc) is not None:
        return None
    message = record.getMessage().strip()
    lines = message.splitlines() or [""]
    level = record.levelname.lower()
    log = str(log_file) if log_file else "the log"
    if exc is not None or "Traceback" in message:
        return f"{level}: {lines[0]} (unexpected: the traceback is in {log})"
    if len(lines) > 1:
        return f"{level}: {lines[0]} (more in {log})"
    return f"{level}: {lines[0]}"


class ConsoleLines(logging.Handler):
    """Hand the records a person should see to ``say``, one line each."""

    def __init__(self, say: Callable[[str], None], log_file: Path | None,
                 level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.say = say
        self.log_file = log_file

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = console_line(record, self.log_file)
            if line is not None:
                self.say(line)
        except Exception:  # noqa: BLE001 - logging must never stop the crawl
            self.handleError(record)
