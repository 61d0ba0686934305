"""`chinareport schedule`: repeat a crawl `--every 1h` or on `--cron "0 * * * *"`, in the foreground."""

from __future__ import annotations

import logging

import click

from crawler.cli.common import fail, storage_options
from crawler.jobs.paths import Paths


@click.command(
    "schedule",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    epilog="Every option of `chinareport crawl` (start URLs, --since, --job-dir, --redis-url, "
    "-s NAME=VALUE, ...) is passed on to each run. A failed run is logged in one line and the "
    "schedule goes on; SIGTERM or Ctrl-C lets the run in flight finish cleanly, then exits.\n\n"
    "\b\nExit status:\n"
    "  0   stopped by SIGTERM or Ctrl-C\n"
    "  1   could not start (bad input, database unreachable)\n"
    "  2   usage error\n"
    "  3   --max-failures reached, the last run fetched nothing (1: it stopped\n"
    "      early); after --max-runs, the last run's status\n"
    "  75  another crawl holds the lock",
)
@click.option("--every", default=None, metavar="INTERVAL",
              help="Start a run at once and then every INTERVAL (30s, 15m, 1h, 1h30m, 1d).")
@click.option("--cron", default=None, metavar="EXPR",
              help='Start runs at the times of a cron expression ("0 * * * *": every hour).')
@click.option("--max-runs", type=click.IntRange(min=1), default=None,
              help="Stop after this many runs (default: run until stopped).")
@click.option("--max-failures", type=click.IntRange(min=1), default=None,
              help="Stop after this many failed runs in a row (exit status 1 or 3), with the "
                   "last one's status (default: keep going).")
@storage_options
@click.argument("crawl_args", nargs=-1, type=click.UNPROCESSED)
def command(every: str | None, cron: str | None, max_runs: int | None,
            max_failures: int | None, paths: Paths, crawl_args: tuple[str, ...]) -> None:
    """Run `chinareport crawl` on a schedule; never two runs at once."""
    from crawler.cli import checks
    from crawler.cli.crawl_cmds import crawl_command, take_lock
    from crawler.jobs.schedule import (
        Schedule,
        ScheduleError,
        ScheduleLoop,
        child_env,
        crawl_argv,
        parse_every,
    )

    try:
        schedule = Schedule(every=parse_every(every) if every else None, cron=cron)
    except ScheduleError as exc:
        fail(str(exc))
        return
    args = [*crawl_args, "--data-dir", str(paths.data_dir), "--db", paths.db_url]
    try:  # the crawl's own parser checks the options now, not at the first run
        crawl_command.make_context("crawl", list(args))
    except click.ClickException as exc:
        fail(f"invalid crawl option: {exc.format_message()}")
    checks.writable_data_dir(paths)
    checks.reachable_database(paths)
    shared = any(a == "--redis-url" or a.startswith("--redis-url=") for a in crawl_args)
    lock = take_lock(paths, shared=shared, command="schedule")
    logging.getLogger("crawler.jobs.schedule").setLevel(logging.INFO)
    loop = ScheduleLoop(crawl_argv(args), schedule, max_runs=max_runs,
                        max_failures=max_failures, env=child_env(lock.identity))
    try:
        code = loop.run()
    finally:
        lock.release()
    ending = loop.ending()
    click.echo(f"schedule ended after {len(loop.runs)} run(s)" + (f": {ending}" if ending else ""),
               err=True)
    if code:
        raise SystemExit(code)
