"""`chinareport reparse [WARC...]`: rebuild the database from archived responses, offline."""

from __future__ import annotations

import os
import time

import click

from crawler.cli import checks
from crawler.cli.common import exit_status_epilog, fail, storage_options
from crawler.cli.plain_text import one_line
from crawler.jobs import exit_status
from crawler.jobs.paths import Paths


@click.command("reparse", epilog=exit_status_epilog("the WARC files held no record to parse",
                                                   locked=False))
@click.argument("warcs", nargs=-1)
@storage_options
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parser processes (default: all cores).")
@click.option("--dry-run", is_flag=True, help="Report what would change without writing.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary.")
@click.option("--progress-every", type=click.FloatRange(min=0.1), default=60.0,
              show_default=True, metavar="SECONDS",
              help="Without a terminal (cron, a pipe): a progress line this often.")
def command(warcs: tuple[str, ...], paths: Paths, workers: int | None, dry_run: bool,
            quiet: bool, progress_every: float) -> None:
    """Re-parse WARC files (default: every WARC in the data dir) with the current parser."""
    from crawler.cli.progress import StatusDisplay, clock, display_mode
    from crawler.jobs.reparse import reparse, warc_files
    from pipelines.db import open_engine
    from pipelines.errors import StoreError

    files = checks.existing_files(warcs, "WARC") if warcs else warc_files([paths.warc_dir])
    if not files:
        fail(f"no WARC files to re-parse in {paths.warc_dir}")
    try:
        engine = open_engine(paths.db_url)
    except StoreError as exc:
        fail(str(exc))
        return
    total = sum(p.stat().st_size for p in files)
    mode = display_mode(quiet=quiet, verbose=False)
    with StatusDisplay("re-parsing", mode, every=progress_every, bar=True) as display:
        started = time.monotonic()
        done = 0

        def advance(size: int, records: int) -> None:
            nonlocal done
            done += size
            elapsed = max(time.monotonic() - started, 1e-6)
            rate = records / elapsed
            left = clock(elapsed * (total - done) / done) if done else "?"
            display.update(f"{records:,} records, {rate:,.0f}/s", completed=done, total=total,
                           plain=f"{done / 1e6:,.1f} of {total / 1e6:,.1f} MB, {records:,} "
                                 f"records, {rate:,.0f} records/s, about {left} left")

        try:
            report = reparse(files, engine, workers=workers or os.cpu_count() or 1,
                             dry_run=dry_run, progress=advance)
        except StoreError as exc:
            fail(str(exc))
            return
    verb = "would be" if dry_run else "were"
    click.echo(f"records read:      {report.records} ({report.pages} HTML pages) from "
               f"{len(files)} WARC file(s)")
    outcomes = ", ".join(f"{report.outcomes[k]} {k}" for k in ("new", "changed", "unchanged"))
    click.echo(f"articles ({verb}):  {outcomes}")
    if report.changed_fields:
        fields = ", ".join(f"{name} on {n}" for name, n in report.changed_fields.most_common())
        click.echo(f"fields changed:    {fields}")
    for error in report.errors:
        click.echo(f"chinareport: error: {one_line(error)}", err=True)
    if report.errors:
        raise SystemExit(exit_status.FAILED)
    if not report.records:
        fail(f"no response record to re-parse in {len(files)} WARC file(s)",
             exit_status.NOTHING_FETCHED)


