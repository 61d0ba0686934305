"""Repeating a crawl on a schedule: every N seconds/minutes/hours, or on a cron expression.

Twisted's reactor cannot be restarted, so each run is a child process
(``python -m crawler crawl ...``) in its own session: Ctrl-C in a terminal reaches only
this process, which forwards SIGINT/SIGTERM to the run in flight once (Scrapy then
finishes it cleanly; a second signal is forwarded too and forces it), waits for it to
end and exits. Runs never overlap: the next one starts only after the last has ended.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType

from crawler.jobs import exit_status

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.IGNORECASE)


class ScheduleError(Exception):
    """A schedule that cannot be understood."""


def parse_every(text: str) -> float:
    """Seconds in an interval such as ``90s``, ``15m``, ``1h``, ``1h30m``, ``1d``."""
    cleaned = text.strip().lower()
    parts = _EVERY.findall(cleaned)
    if not parts or _EVERY.sub("", cleaned).strip():
        raise ScheduleError(f"invalid interval {text!r}: use e.g. 30s, 15m, 1h, 1h30m, 1d")
    seconds = sum(float(n) * _UNITS[unit.lower()] for n, unit in parts)
    if seconds <= 0:
        raise ScheduleError(f"invalid interval {text!r}: must be more than zero")
    return seconds


@dataclass(frozen=True)
class Schedule:
    """When runs start: a fixed interval (first run at once) or a cron expression."""

    every: float | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.every is None) == (self.cron is None):
            raise ScheduleError("give exactly one of --every and --cron")
        if self.cron is not None:
            from croniter import croniter

            if not croniter.is_valid(self.cron):
                raise ScheduleError(f"invalid cron expression {self.cron!r}")

    def first(self, now: datetime) -> datetime:
        """When the first run starts."""
        return now if self.every is not None else self.next_after(now)

    def next_after(self, last_start: datetime) -> datetime:
        """When the run after one that started at ``last_start`` starts."""
        if self.every is not None:
            return last_start + timedelta(seconds=self.every)
        from croniter import croniter

        return croniter(self.cron, last_start.astimezone()).get_next(datetime)

    def describe(self) -> str:
        """``every 3600 s`` or ``cron '0 * * * *'``."""
        return f"every {self.every:g} s" if self.every is not None else f"cron {self.cron!r}"


def failed(status: int) -> bool:
    """Whether a run's exit status is a failure: not 0, and not 75 (skipped, another crawl ran)."""
    return status not in (exit_status.OK, exit_status.LOCKED)


class ScheduleLoop:
    """Run ``argv`` as a child process on ``schedule`` until stopped.

    A failed run is logged and the schedule goes on; it ends on SIGTERM/SIGINT, after
    ``max_runs`` runs, or after ``max_failures`` failed runs in a row.
    """

    def __init__(self, argv: Sequence[str], schedule: Schedule, *, max_runs: int | None = None,
                 max_failures: int | None = None, env: dict[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.schedule = schedule
        self.max_runs = max_runs
        self.max_failures = max_failures
        self.env = env
        self.runs: list[int] = []  # exit codes, in order
        self.failures_in_a_row = 0
        self.stopped_by = ""  # why the loop ended: "signal", "max-runs" or "max-failures"
        self._stop = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop after the run in flight (forwarding ``signum`` to it)."""
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            logger.warning("stopping: passing %s to the crawl in flight (pid %d)",
                           signal.Signals(signum).name, child.pid)
            child.send_signal(signum)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop(signum)

    def run(self) -> int:
        """Loop until stopped; returns the schedule's exit status.

        0 when stopped by a signal, the last run's status after ``max_runs`` runs or
        ``max_failures`` failed runs in a row.
        """
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            return self._loop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self) -> int:
        start = self.schedule.first(datetime.now(UTC))
        logger.info("schedule %s: first run at %s", self.schedule.describe(),
                    start.astimezone().isoformat(timespec="seconds"))
        while not self._stop.is_set():
            wait = (start - datetime.now(UTC)).total_seconds()
            if wait > 0 and self._stop.wait(wait):
                break
            started = datetime.now(UTC)
            code = self._run_once()
            self.runs.append(code)
            if failed(code):
                self.failures_in_a_row += 1
            elif code == exit_status.OK:
                self.failures_in_a_row = 0
            self.stopped_by = self._limit_reached()
            start = self.schedule.next_after(started)
            logger.warning("run %d %s%s", len(self.runs), self._describe(code),
                           "" if self.stopped_by or self._stop.is_set() else
                           f"; next run at {start.astimezone().isoformat(timespec='seconds')}")
            if self.stopped_by:
                break
        if self._stop.is_set():
            self.stopped_by = "signal"
        if self.stopped_by == "signal" or not self.runs:
            return exit_status.OK
        return self.runs[-1]

    def ending(self) -> str:
        """Why the loop ended, in words: ``2 failed runs in a row (--max-failures 2)``."""
        if self.stopped_by == "max-failures":
            return (f"{self.failures_in_a_row} failed runs in a row "
                    f"(--max-failures {self.max_failures})")
        if self.stopped_by == "max-runs":
            return f"--max-runs {self.max_runs}"
        return "stopped by a signal" if self.stopped_by == "signal" else ""

    def _limit_reached(self) -> str:
        if self.max_runs is not None and len(self.runs) >= self.max_runs:
            return "max-runs"
        if self.max_failures is not None and self.failures_in_a_row >= self.max_failures:
            return "max-failures"
        return ""

    def _describe(self, code: int) -> str:
        """``ended: exit 0 (finished)`` or ``failed: exit 3 (nothing fetched), 2 in a row``."""
        if failed(code):
            return f"failed: {exit_status.describe(code)}, {self.failures_in_a_row} in a row"
        return f"ended: {exit_status.describe(code)}"

    def _run_once(self) -> int:
        logger.warning("run %d starting: %s", len(self.runs) + 1, " ".join(self.argv))
        self._child = subprocess.Popen(
            self.argv, env=self.env, start_new_session=True,  # terminal signals reach us only
        )
        if self._stop.is_set():  # a signal between the check and the start
            self._child.send_signal(signal.SIGTERM)
        try:
            return self._child.wait()
        finally:
            self._child = None


def crawl_argv(crawl_args: Sequence[str]) -> list[str]:
    """The command line of one scheduled crawl run."""
    return [sys.executable, "-m", "crawler", "crawl", *crawl_args]


def child_env(lock_identity: str) -> dict[str, str]:
    """The environment of a child run: ours, plus "your parent holds the crawl lock"."""
    from crawler.jobs.lock import HELD_ENV

    return {**os.environ, HELD_ENV: lock_identity}
