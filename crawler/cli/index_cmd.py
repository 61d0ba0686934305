"""`chinareport index`: a sorted CDXJ index of WARC files, for pywb and other replay tools."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.errors import ArchiveError
from archive.index import write_cdxj
from crawler.cli.common import fail, storage_options
from crawler.jobs.paths import Paths


@click.command("index")
@click.argument("warcs", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the index to FILE (default: standard output).",
)
@storage_options
def command(warcs: tuple[str, ...], output: str | None, paths: Paths) -> None:
    """Write a sorted CDXJ index of WARC files (default: all in DATA_DIR/warc)."""
    if warcs:
        files = [Path(w) for w in warcs]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            fail(f"no such WARC file: {', '.join(missing)}")
        root = None
    else:
        if not paths.warc_dir.is_dir():
            fail(f"no WARC directory at {paths.warc_dir}")
        files = sorted(paths.warc_dir.glob("*.warc.gz")) + sorted(paths.warc_dir.glob("*.warc"))
        if not files:
            fail(f"no WARC files in {paths.warc_dir}")
        root = paths.warc_dir
    try:
        write_cdxj(files, output if output else sys.stdout, dir_root=root)
    except ArchiveError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
