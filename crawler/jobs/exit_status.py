"""What the exit status of `crawl`, `demo`, `reparse` and `schedule` means, for cron and systemd.

- 0 ``OK``: the run finished; ordinary errors (some 404s, timeouts) are in its summary.
- 1 ``FAILED``: the run could not start or stopped early (bad input, database unreachable,
  WARC write failure).
- 2: a usage error (click's own).
- 3 ``NOTHING_FETCHED``: the run finished but none of its start pages could be fetched, or
  nothing at all was (``reparse``: its WARC files held no record to parse).
- 75 ``LOCKED`` (``EX_TEMPFAIL`` of sysexits.h): another crawl holds the lock: skip, not fail.
"""

from __future__ import annotations

import signal

OK = 0
FAILED = 1
USAGE = 2
NOTHING_FETCHED = 3
LOCKED = 75

MEANING = {
    OK: "finished",
    FAILED: "could not start or stopped early",
    USAGE: "usage error",
    NOTHING_FETCHED: "nothing fetched",
    LOCKED: "another crawl holds the lock",
}


def describe(status: int) -> str:
    """``exit 3 (nothing fetched)``; a negative status is the signal that ended the process."""
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    meaning = MEANING.get(status)
    return f"exit {status} ({meaning})" if meaning else f"exit {status}"
