"""The log file of one crawl run: Scrapy's whole log in DATA_DIR/logs/, named after the run.

``run-17-20240627-114903.log`` is run 17, started 2024-06-27 11:49:03 in this machine's
time zone, the time of the log's own lines and of cron. The name follows from the run's row,
so `chinareport stats` finds a run's log without storing its path. Expected network faults
(timeouts, refused, reset or lost connections, DNS failures) are one line each, with the
URL and the error kind: a traceback in this file means a bug.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scrapy.settings import Settings

from crawler.downloadermiddlewares.fetch_log import ERROR_KINDS
from crawler.parser.controls import strip_controls

LOG_NAME = re.compile(r"run-\d+-\d{8}-\d{6}\.log")
DEFAULT_KEEP = "100"
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]i?b?)", re.IGNORECASE)
_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def log_file_name(run_id: int, started: datetime) -> str:
    """The file name of a run's log: its id and its start in local time."""
    return f"run-{run_id}-{started.astimezone():%Y%m%d-%H%M%S}.log"


def find_run_log(log_dir: Path, run_id: int, started: datetime) -> Path | None:
    """The log file of a run, if it is in ``log_dir`` (found by id if the time zone changed)."""
    path = log_dir / log_file_name(run_id, started)
    if path.exists():
        return path
    found = sorted(p for p in log_dir.glob(f"run-{run_id}-*.log") if LOG_NAME.fullmatch(p.name))
    return found[0] if len(found) == 1 else None


def network_fault(exc: BaseException | None) -> str | None:
    """The error kind of an expected network fault (``timeout``, ``dns``, ...), else None."""
    if exc is None:
        return None
    for cls in type(exc).__mro__:
        kind = ERROR_KINDS.get(cls.__name__)
        if kind is not None and kind != "ignored":
            return kind
    return None


class RunLogFormatter(logging.Formatter):
    """Scrapy's log format; an expected network fault is one line naming its kind, no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info[1] if record.exc_info else None
        kind = network_fault(exc)
        if kind is None:
            text = super().format(record)
        else:
            one_line = logging.makeLogRecord(record.__dict__)
            one_line.msg = (f"{record.getMessage()}: {kind} "
                            f"({str(exc).strip() or type(exc).__name__})")
            one_line.args = None
            one_line.exc_info = None
            one_line.exc_text = None
            text = super().format(one_line)
        # A message may quote page text: no escape sequence or bidi control from it reaches
        # whoever reads the log in a terminal.
        return strip_controls(text, keep_newlines=True) or ""


def open_run_log(path: Path, level: str, settings: Settings) -> logging.Handler:
    """A handler writing the run's log to ``path`` at ``level``, in Scrapy's format."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding=settings.get("LOG_ENCODING") or "utf-8")
    handler.setLevel(level)
    handler.setFormatter(RunLogFormatter(settings.get("LOG_FORMAT"),
                                         settings.get("LOG_DATEFORMAT")))
    return handler


class KeepLogsError(ValueError):
    """A --keep-logs value that is neither a count nor a size."""


@dataclass(frozen=True)
class KeepLogs:
    """How many run logs to keep: a number of files, or their total size in bytes."""

    files: int | None = None
    size: int | None = None

    @classmethod
    def parse(cls, text: str) -> KeepLogs:
        """``100`` (files) or ``500MB`` / ``2G`` (total size)."""
        cleaned = text.strip()
        if cleaned.isdigit() and int(cleaned) > 0:
            return cls(files=int(cleaned))
        match = _SIZE.fullmatch(cleaned)
        if match and float(match[1]) > 0:
            return cls(size=int(float(match[1]) * _UNITS[match[2][0].lower()]))
        raise KeepLogsError(f"invalid --keep-logs {text!r}: give a number of files (100) "
                            "or a total size (500MB, 2GB)")


def prune_logs(log_dir: Path, keep: KeepLogs, current: Path | None = None) -> list[Path]:
    """Delete the oldest run logs beyond ``keep``; never ``current``. Returns what went."""
    logs = sorted((p for p in log_dir.glob("run-*.log") if LOG_NAME.fullmatch(p.name)),
                  key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    kept, total, removed = 0, 0, []
    for path in logs:
        size = path.stat().st_size
        over = (keep.files is not None and kept >= keep.files) or (
            keep.size is not None and kept > 0 and total + size > keep.size)
        if over and path != current:
            path.unlink(missing_ok=True)
            removed.append(path)
            continue
        kept, total = kept + 1, total + size
    return removed
