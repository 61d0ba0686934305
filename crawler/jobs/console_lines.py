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


MAX_CHARS = 200  # of a message on the console: an item's repr can hold a whole article
MAX_UNEXPECTED = 5  # tracebacks named on the console; the log file has them all


def unexpected(record: logging.LogRecord) -> bool:
    """Whether ``record`` carries a traceback that no network fault explains."""
    exc = record.exc_info[1] if record.exc_info else None
    return network_fault(exc) is None and (exc is not None or "Traceback" in record.getMessage())


def console_line(record: logging.LogRecord, log_file: Path | None) -> str | None:
    """The one line a person sees for ``record``, or None when it belongs in the log file only."""
    exc = record.exc_info[1] if record.exc_info else None
    if _under(record.name, NETWORK_LOGGERS) or network_fault(exc) is not None:
        return None
    message = record.getMessage().strip()
    lines = message.splitlines() or [""]
    first = lines[0] if len(lines[0]) <= MAX_CHARS else lines[0][:MAX_CHARS] + "…"
    level = record.levelname.lower()
    log = str(log_file) if log_file else "the log"
    if unexpected(record):
        return f"{level}: {first} (unexpected: the traceback is in {log})"
    if len(lines) > 1 or first is not lines[0]:
        return f"{level}: {first} (more in {log})"
    return f"{level}: {first}"


class ConsoleLines(logging.Handler):
    """Hand the records a person should see to ``say``, one line each."""

    def __init__(self, say: Callable[[str], None], log_file: Path | None,
                 level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.say = say
        self.log_file = log_file
        self.unexpected = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = console_line(record, self.log_file)
            if line is None:
                return
            if unexpected(record):
                self.unexpected += 1
                if self.unexpected > MAX_UNEXPECTED:
                    return
                if self.unexpected == MAX_UNEXPECTED:
                    line += "; further ones only in the log"
            self.say(line)
        except Exception:  # noqa: BLE001 - logging must never stop the crawl
            self.handleError(record)
