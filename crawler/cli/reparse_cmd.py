"""`chinareport reparse [WARC...]`: rebuild the database from archived responses, offline."""

from __future__ import annotations

import os
import time

import click

from crawler.cli import checks
from crawler.cli.common import exit_status_epilog, fail, storage_options
from crawler.jobs import exit_status
from crawler.jobs.paths import Paths


@click.command("reparse", epilog=exit_status_epilog("the WARC files held no record to parse",
                                                   locked=False))
@click.argument("warcs", nargs=-1)
@storage_options
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parser processes (default: all cores).")
@click.option("--dry-run", is_flag=True, help="Report what would change without writing.")
def command(warcs: tuple[str, ...], paths: Paths, workers: int | None, dry_run: bool) -> None:
    """Re-parse WARC files (default: every WARC in the data dir) with the current parser."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

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
    columns = (TextColumn("re-parsing"), BarColumn(), DownloadColumn(),
               TextColumn("{task.fields[records]:,} records, {task.fields[rate]:,.0f} records/s"),
               TimeRemainingColumn())
    with Progress(*columns, transient=True, disable=not os.isatty(2)) as bar:
        task = bar.add_task("reparse", total=total, records=0, rate=0.0)
        started = time.monotonic()

        def advance(size: int, records: int) -> None:
            rate = records / max(time.monotonic() - started, 1e-6)
            bar.update(task, advance=size, records=records, rate=rate)

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
        click.echo(f"chinareport: error: {error}", err=True)
    if report.errors:
        raise SystemExit(exit_status.FAILED)
    if not report.records:
        fail(f"no response record to re-parse in {len(files)} WARC file(s)",
             exit_status.NOTHING_FETCHED)


