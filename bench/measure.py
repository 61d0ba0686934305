"""Run one command as a child process and measure it: wall time, CPU seconds of the child and
all its descendants (rusage from wait4), and peak RSS of the whole process tree (psutil polls)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

POLL_SECONDS = 0.05


@dataclass
class Measurement:
    """What one run of a command cost."""

    wall: float
    cpu: float
    peak_rss: int  # bytes, the largest sum over the process tree seen at once
    returncode: int

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss / 2**20


def _tree_rss(root: psutil.Process) -> int:
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_measured(
    argv: list[str],
    log_path: Path,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 3600,
) -> Measurement:
    """Run ``argv`` to completion with its output in ``log_path``; return what it cost."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        root = psutil.Process(proc.pid)
        peak = 0
        while True:
            # wait4 (not Popen.wait) gives the rusage of the child and its reaped descendants.
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            peak = max(peak, _tree_rss(root))
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    # Not ru_maxrss: it also counts the harness's own image, forked before the exec.
    return Measurement(
        wall=wall, cpu=usage.ru_utime + usage.ru_stime, peak_rss=peak, returncode=proc.returncode
    )
