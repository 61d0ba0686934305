"""Helper processes of a crawl go when the crawl goes, even when it is killed with -9."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> bool:
    """Have Linux kill this process when ``parent`` dies; False if it is already gone.

    A writer that outlived a killed crawl would go on storing rows while the next crawl,
    which no longer sees the lock, repairs the same run: rows twice.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the writer's own parent check remains
        pass
    return os.getppid() == parent
