"""Packaging WARC files as one WACZ file with py-wacz: CDXJ index, pages list, datapackage.json.

py-wacz (the `wacz` package of Webrecorder) does the packaging and hashing; we hand it the
WARC files and our own pages list (real titles from the database, not guesses from the HTML).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import archive.reader  # noqa: F401  (installs warcio's br/zstd decompressors for the indexer)
from archive.errors import ArchiveError

logger = logging.getLogger(__name__)

PAGES_FORMAT = "json-pages-1.0"


@dataclass(frozen=True)
class Page:
    """One entry of ``pages/pages.jsonl``: a page a replay tool lists, at one capture."""

    id: str
    url: str
    ts: str  # the capture's WARC-Date (ISO 8601, UTC)
    title: str


def _pages_file(pages: Iterable[Page], path: Path, title: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": PAGES_FORMAT, "id": "pages", "title": title}) + "\n")
        for page in pages:
            entry = {"id": page.id, "url": page.url, "ts": page.ts, "title": page.title}
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")


def write_wacz(
    warcs: Iterable[str | os.PathLike[str]],
    pages: Iterable[Page],
    output: str | os.PathLike[str],
    *,
    title: str,
    description: str = "",
) -> None:
    """Package WARC files and a pages list as the WACZ file ``output`` (replaced atomically).

    The WARC files are stored under ``archive/`` by their base names, which must be unique.
    """
    # Imported here: py-wacz adds "warcinfo" to cdxj-indexer's default record types when it
    # loads, which only its own indexing should see (archive.index names its types itself).
    from wacz.main import main as wacz_main

    inputs = [os.fspath(w) for w in warcs]
    names = [Path(w).name for w in inputs]
    if len(set(names)) != len(names):
        raise ArchiveError("two WARC files to package have the same name")
    target = Path(output)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".wacz-") as scratch:
        pages_path = Path(scratch) / "pages.jsonl"
        _pages_file(pages, pages_path, title)
        partial = Path(scratch) / target.name
        args = ["create", "-o", str(partial), "--pages", str(pages_path), "--copy-pages"]
        # "--name=value": a title that starts with "-" is still a value.
        args += [f"--title={title}", f"--desc={description}", "--", *inputs]
        said = io.StringIO()
        try:
            with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
                status = wacz_main(args)
        except SystemExit as exc:  # its argument parser exits on what it refuses
            status = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # py-wacz raises what its indexer and zipfile raise
            raise ArchiveError(f"py-wacz could not package {target}: {exc}") from exc
        finally:
            logger.debug("py-wacz: %s", said.getvalue())
        if status:
            last = said.getvalue().strip().splitlines()[-1:] or ["no reason given"]
            raise ArchiveError(f"py-wacz could not package {target}: {last[0]}")
        try:
            os.replace(partial, target)
        except OSError as exc:
            raise ArchiveError(f"cannot write {target}: {exc.strerror or exc}") from exc
