"""CDXJ indexes of WARC files for replay tools, built by the cdxj-indexer library."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from cdxj_indexer.main import CDXJIndexer

import archive.reader  # noqa: F401  (installs warcio's br/zstd decompressors)
from archive.errors import ArchiveError
from archive.recovery import complete_members

# cdxj-indexer's own default, named here: py-wacz appends "warcinfo" to the class default when
# it is imported, and an index for replay tools should not change with what else was loaded.
INDEXED_RECORDS = "response,revisit,resource,metadata"


def _verify_members(path: Path) -> None:
    _, end = complete_members(path)
    size = path.stat().st_size
    if end != size:
        raise ArchiveError(f"{path} at offset {end}: damaged or truncated record")


def write_cdxj(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str] | TextIO,
    *,
    dir_root: str | os.PathLike[str] | None = None,
    verify: bool = True,
) -> None:
    """Write one sorted CDXJ index of the WARC files to a path or text stream.

    Filenames in the index are relative to `dir_root` (default: the bare file name). With
    `verify`, a file that does not end in a complete record raises ArchiveError first: the
    indexer itself would silently index a truncated file.
    """
    inputs = [str(p) for p in paths]
    for path in inputs:
        if not Path(path).is_file():
            raise ArchiveError(f"no such WARC file: {path}")
        if verify and path.endswith(".gz"):
            _verify_members(Path(path))
    output = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    indexer = CDXJIndexer(
        output,
        inputs,
        sort=True,
        dir_root=os.fspath(dir_root) if dir_root else None,
        records=INDEXED_RECORDS,
    )
    try:
        indexer.process_all()
    except Exception as exc:  # warcio's errors on damaged input have no common base
        raise ArchiveError(f"cannot index {indexer.curr_filename or inputs}: {exc}") from exc
