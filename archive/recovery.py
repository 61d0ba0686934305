"""Closing WARC files left `.open` by a killed process: keep every complete record, drop the torn tail."""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import zlib
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ArchiveError
from archive.writer import OPEN_SUFFIX, safe_host_name

logger = logging.getLogger(__name__)

_CHUNK = 1 << 16


@dataclass(frozen=True)
class RecoveryReport:
    """What recovery did to one leftover file."""

    file: str
    final_name: str | None
    records_kept: int
    bytes_kept: int
    bytes_dropped: int

    def describe(self) -> str:
        """One line for the log."""
        if self.final_name is None:
            return f"{self.file}: no complete record, removed ({self.bytes_dropped} bytes)"
        return (
            f"{self.file}: kept {self.records_kept} records ({self.bytes_kept} bytes), "
            f"dropped {self.bytes_dropped} bytes, renamed to {self.final_name}"
        )


def complete_members(path: Path) -> tuple[int, int]:
    """Count the complete WARC gzip members at the start of a file; return (count, end offset)."""
    count = 0
    good_end = 0
    position = 0  # file offset of the start of `pending`
    with open(path, "rb") as handle:
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
        head = b""
        pending = handle.read(_CHUNK)
        while pending:
            try:
                out = decomp.decompress(pending)
            except zlib.error:
                break
            if len(head) < 5:
                head += out[: 5 - len(head)]
            if decomp.eof:
                unused = decomp.unused_data
                member_end = position + len(pending) - len(unused)
                if not head.startswith(b"WARC/"):
                    break
                count += 1
                good_end = member_end
                position = member_end
                decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
                head = b""
                pending = unused or handle.read(_CHUNK)
            else:
                position += len(pending)
                pending = handle.read(_CHUNK)
    return count, good_end


def _is_live(path: Path) -> bool:
    # A writer holds a POSIX lock on its file; our own process's locks never conflict, so
    # files named with our host and pid (NAME-HOST-PID.warc.gz.open) count as live too.
    own_suffix = f"-{safe_host_name(socket.gethostname())}-{os.getpid()}"
    if path.name.removesuffix(OPEN_SUFFIX).removesuffix(".warc.gz").endswith(own_suffix):
        return True
    try:
        with open(path, "r+b") as handle:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.lockf(handle, fcntl.LOCK_UN)
    except (BlockingIOError, PermissionError):
        return True
    return False


def recover_file(path: str | os.PathLike[str]) -> RecoveryReport:
    """Truncate one `.open` file after its last complete record and rename it (remove if empty)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        records, end = complete_members(path)
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        if records == 0:
            path.unlink()
            return RecoveryReport(str(path), None, 0, 0, size)
        if end < size:
            os.truncate(path, end)
        os.replace(path, final)
    except OSError as exc:
        raise ArchiveError(f"cannot recover {path}: {exc}") from exc
    return RecoveryReport(str(path), final.name, records, end, size - end)


def recover_directory(directory: str | os.PathLike[str]) -> list[RecoveryReport]:
    """Close every abandoned `*.warc.gz.open` in a directory (files still being written are left)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    reports = []
    for path in sorted(directory.glob("*.warc.gz" + OPEN_SUFFIX)):
        if _is_live(path):
            logger.debug("Skipping %s: still being written", path)
            continue
        report = recover_file(path)
        logger.warning("Recovered WARC %s", report.describe())
        reports.append(report)
    return reports
