"""Checks run before work starts, so bad input ends in one clear line instead of a traceback."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from crawler.cli.common import fail
from crawler.jobs.paths import Paths


def writable_data_dir(paths: Paths) -> None:
    """Create the data and WARC folders, or stop if they cannot be written."""
    try:
        paths.warc_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=paths.data_dir):
            pass
        with tempfile.TemporaryFile(dir=paths.warc_dir):
            pass
    except OSError as exc:
        fail(f"data dir {paths.data_dir} is not writable: {exc.strerror or exc}")


def reachable_database(paths: Paths) -> None:
    """Open (and upgrade) the database once, or stop with the reason."""
    from pipelines.db import open_engine
    from pipelines.errors import StoreError

    try:
        engine = open_engine(paths.db_url)
        engine.dispose()
    except StoreError as exc:
        fail(str(exc))


def valid_start_url(url: str) -> str:
    """An http(s) URL with a host, or stop."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        fail(f"invalid URL {url!r}: give an http:// or https:// URL with a host name")
    return url


def parse_day(text: str, option: str) -> date:
    """A YYYY-MM-DD date from an option, or stop."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"invalid date for {option}: {text!r} (expected YYYY-MM-DD)")
        raise  # unreachable: fail() exits


def existing_files(names: tuple[str, ...], what: str) -> list[Path]:
    """Paths that exist and are files, or stop naming the first that is not."""
    paths = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            fail(f"{name} is a directory, expected a {what} file")
        if not path.is_file():
            fail(f"{name}: no such {what} file")
        paths.append(path)
    return paths
