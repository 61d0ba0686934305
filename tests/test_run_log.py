"""The run's log file (issue 14): its name, its one-line network faults, pruning; what of it the
console shows."""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.core.downloader.handlers.http11 import DownloadTimeoutError
from scrapy.settings import Settings
from twisted.internet.error import ConnectionRefusedError as TwistedRefused

from crawler.jobs.console_lines import console_line
from crawler.jobs.run_log import (
    KeepLogs,
    KeepLogsError,
    find_run_log,
    log_file_name,
    network_fault,
    open_run_log,
    prune_logs,
)


def record(name: str, level: int, message: str, exc: BaseException | None = None,
           *args: object) -> logging.LogRecord:
    exc_info = None
    if exc is not None:
        try:
            raise exc
        except BaseException:  # noqa: BLE001 - a real traceback for the record
            exc_info = sys.exc_info()
    return logging.LogRecord(name, level, __file__, 1, message, args or None, exc_info)


def test_the_name_is_the_run_id_and_its_start_in_local_time() -> None:
    started = datetime(2024, 6, 27, 3, 49, 3, tzinfo=UTC)
    assert log_file_name(17, started) == f"run-17-{started.astimezone():%Y%m%d-%H%M%S}.log"


def test_a_run_log_is_found_by_id_when_the_time_zone_changed(tmp_path: Path) -> None:
    started = datetime(2024, 6, 27, 3, 49, 3, tzinfo=UTC)
    (tmp_path / "run-17-20240627-114903.log").write_text("")
    (tmp_path / "run-170-20240627-114903.log").write_text("")
    assert find_run_log(tmp_path, 17, started) == tmp_path / "run-17-20240627-114903.log"
    assert find_run_log(tmp_path, 18, started) is None


@pytest.mark.parametrize(("text", "keep"), [
    ("100", KeepLogs(files=100)), ("1", KeepLogs(files=1)), ("500MB", KeepLogs(size=500 << 20)),
    ("2G", KeepLogs(size=2 << 30)), ("64k", KeepLogs(size=64 << 10)),
    ("1.5GiB", KeepLogs(size=int(1.5 * (1 << 30)))),
])
def test_keep_logs_is_a_count_or_a_size(text: str, keep: KeepLogs) -> None:
    assert KeepLogs.parse(text) == keep


@pytest.mark.parametrize("text", ["", "0", "-3", "banana", "12 files", "0MB", "5TB"])
def test_other_keep_logs_values_are_refused(text: str) -> None:
    with pytest.raises(KeepLogsError, match="--keep-logs"):
        KeepLogs.parse(text)


def _logs(folder: Path, sizes: list[int]) -> list[Path]:
    """Run logs, oldest first, of the given sizes; and one file that is not a run log."""
    paths = []
    for n, size in enumerate(sizes, start=1):
        path = folder / f"run-{n}-20240627-0000{n:02d}.log"
        path.write_bytes(b"x" * size)
        os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))
        paths.append(path)
    (folder / "notes.log").write_text("mine")
    return paths


def test_pruning_by_count_removes_the_oldest(tmp_path: Path) -> None:
    paths = _logs(tmp_path, [10] * 5)
    removed = prune_logs(tmp_path, KeepLogs(files=2), current=paths[-1])
    assert removed == paths[:3][::-1]
    assert sorted(tmp_path.iterdir()) == sorted([*paths[3:], tmp_path / "notes.log"])


def test_pruning_by_size_keeps_the_newest_that_fit(tmp_path: Path) -> None:
    paths = _logs(tmp_path, [400, 300, 200, 100])
    prune_logs(tmp_path, KeepLogs(size=350), current=paths[-1])
    assert [p.exists() for p in paths] == [False, False, True, True]
    prune_logs(tmp_path, KeepLogs(size=10), current=paths[-1])  # the current one always stays
    assert [p.exists() for p in paths] == [False, False, False, True]


def test_network_faults_are_known_by_kind() -> None:
    assert network_fault(DownloadTimeoutError("took longer than 2.0 seconds")) == "timeout"
    assert network_fault(TwistedRefused()) == "connection_refused"
    assert network_fault(ValueError("a bug")) is None
    assert network_fault(None) is None


def test_the_log_file_has_a_network_fault_on_one_line_and_a_bug_with_its_traceback(
        tmp_path: Path) -> None:
    path = tmp_path / "logs" / "run-1-20240627-114903.log"
    handler = open_run_log(path, "INFO", Settings({"LOG_FORMAT": "%(levelname)s: %(message)s"}))
    url = "http://127.0.0.1/slow.html"
    handler.handle(record("scrapy.core.scraper", logging.ERROR, "Error downloading <GET %s>",
                          DownloadTimeoutError(f"Getting {url} took longer than 2.0 seconds."),
                          url))
    handler.handle(record("scrapy.core.scraper", logging.ERROR, "Spider error processing",
                          ValueError("a bug")))
    handler.handle(record("chinareport", logging.WARNING, "title \x1b]0;pwned\x07 \u202e倒序"))
    handler.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (f"ERROR: Error downloading <GET {url}>: timeout (Getting {url} took "
                        "longer than 2.0 seconds.)")
    assert lines[1] == "ERROR: Spider error processing"
    assert lines[2] == "Traceback (most recent call last):" and "ValueError: a bug" in lines
    assert lines[-1] == "WARNING: title ]0;pwned 倒序"  # page text cannot steer a terminal


def test_the_console_shows_the_warnings_that_matter_one_line_each() -> None:
    log = Path("/data/logs/run-1-20240627-114903.log")
    weather = [
        record("scrapy.downloadermiddlewares.retry", logging.ERROR, "Gave up retrying <GET x>"),
        record("scrapy.core.downloader.handlers.http11", logging.WARNING, "Got data loss"),
        record("crawler.downloadermiddlewares.incomplete", logging.WARNING, "archived truncated"),
        record("scrapy.core.scraper", logging.ERROR, "Error downloading <GET x>",
               DownloadTimeoutError("took longer")),
    ]
    assert [console_line(r, log) for r in weather] == [None] * 4
    warning = record("chinareport", logging.WARNING, "start page %s not fetched: %s", None,
                     "http://x/", "HTTP 404")
    assert console_line(warning, log) == "warning: start page http://x/ not fetched: HTTP 404"
    bug = record("scrapy.core.scraper", logging.ERROR, "Spider error processing <GET x>",
                 KeyError("title"))
    assert console_line(bug, log) == (
        f"error: Spider error processing <GET x> (unexpected: the traceback is in {log})")
    deferred = record("twisted", logging.CRITICAL, "Unhandled error in Deferred:\nTraceback ...")
    assert console_line(deferred, log) == (
        f"critical: Unhandled error in Deferred: (unexpected: the traceback is in {log})")
    long = record("crawler.extensions.session", logging.ERROR, "x" * 1000)
    assert console_line(long, log) == f"error: {'x' * 200}… (more in {log})"
