"""`chinareport crawl` and `chinareport demo`: run the whole pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from crawler.cli import checks
from crawler.cli.common import CRAWL_EPILOG, fail, storage_options
from crawler.cli.run_options import Watch, watch_options, watched
from crawler.jobs import exit_status
from crawler.jobs.paths import Paths


def parse_setting_overrides(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``-s NAME=VALUE`` options as a settings dict, as `scrapy crawl` takes them."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"invalid setting {pair!r}: use -s NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


def _crawl(urls: list[str], paths: Paths, watch: Watch, overrides: dict[str, Any],
           arguments: dict[str, Any] | None = None) -> Any:
    """Run the crawl with the display and log ``watch`` asks for; its summary."""
    from crawler.jobs.runner import run_crawl
    from pipelines.errors import StoreError

    with watched(watch) as (_, output):
        try:
            return run_crawl(urls, paths, overrides=overrides, log_level=watch.log_level,
                             arguments=arguments, output=output)
        except StoreError as exc:
            fail(f"cannot record the crawl run: {exc}")


def _finish(summary: Any, paths: Paths) -> None:
    from crawler.jobs.runner import format_summary

    click.echo(format_summary(summary, paths))
    status = summary.exit_status
    if status == exit_status.FAILED:
        fail(f"the crawl stopped early: {summary.failure}", status)
    if status == exit_status.NOTHING_FETCHED:
        fail(str(summary.nothing_fetched), status)


@click.command("crawl", epilog=CRAWL_EPILOG)
@click.argument("start_urls", nargs=-1)
@storage_options
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Stop after this many responses.")
@click.option("--since", metavar="DATE", default=None,
              help="Skip articles a listing dates before DATE (YYYY-MM-DD) and stop paging "
                   "through a channel once a listing page shows only older ones.")
@click.option("--refresh", is_flag=True,
              help="Fetch stored articles again too (conditionally: unchanged pages cost a 304).")
@click.option("--job-dir", type=click.Path(file_okay=False), default=None,
              help="Keep the crawl state here so an interrupted crawl can resume.")
@click.option("--redis-url", default=None, metavar="URL",
              help="Share the frontier with other crawler processes through this Redis.")
@click.option("--redis-prefix", default="chinareport", show_default=True,
              help="Prefix of the Redis keys of this distributed crawl.")
@click.option("--idle-timeout", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="With --redis-url: stop once the shared frontier has been empty this long (s).")
@click.option("--warc-max-size", type=click.IntRange(min=1024), default=None,
              help="Start a new WARC file past this many bytes (default 1 GiB).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Any Scrapy setting, as with `scrapy crawl -s`.")
@watch_options
def crawl_command(start_urls: tuple[str, ...], paths: Paths, max_pages: int | None,
                  since: str | None, refresh: bool, job_dir: str | None, redis_url: str | None,
                  redis_prefix: str, idle_timeout: float, warc_max_size: int | None,
                  settings: tuple[str, ...], watch: Watch) -> None:
    """Crawl START_URLS (default: the real 中国报道 home and channel pages), staying on their sites.

    Incremental: listing pages are always fetched, stored articles only with --refresh or
    when their listing shows a newer date. One crawl per database at a time.
    """
    urls = [checks.valid_start_url(u) for u in start_urls]
    overrides = parse_setting_overrides(settings)
    if max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = max_pages
    if since:
        overrides["CHINAREPORT_SINCE"] = checks.parse_day(since, "--since").isoformat()
    if refresh:
        overrides["CHINAREPORT_REFRESH"] = True
    if warc_max_size:
        overrides["WARC_MAX_SIZE"] = warc_max_size
    if redis_url:
        from crawler.frontier.redis_scheduler import redis_settings

        overrides.update(redis_settings(redis_url, redis_prefix, idle_timeout))
    checks.writable_data_dir(paths)
    checks.reachable_database(paths)
    lock = take_lock(paths, shared=bool(redis_url), command="crawl")
    if job_dir and not redis_url:
        from crawler.frontier.jobdir import open_job_dir

        open_job_dir(Path(job_dir))
        overrides["JOBDIR"] = job_dir
    repair(paths, exclusive=not redis_url)
    arguments = {"command": "crawl", "since": since, "refresh": refresh, "job_dir": job_dir,
                 "redis": bool(redis_url), "max_pages": max_pages}
    try:
        summary = _crawl(urls, paths, watch, overrides, arguments)
    finally:
        lock.release()
    _finish(summary, paths)


def take_lock(paths: Paths, *, shared: bool, command: str) -> Any:
    """The crawl lock of the database, or a one-line error naming the crawl that holds it."""
    from crawler.jobs.lock import CrawlLock, LockBusy

    try:
        return CrawlLock(paths.db_url, paths.data_dir, shared=shared, command=command).acquire()
    except LockBusy as exc:
        fail(str(exc), exit_status.LOCKED)  # cron and systemd may treat it as "skipped"
    except Exception as exc:  # noqa: BLE001 - e.g. PostgreSQL unreachable: one line, not a traceback
        fail(f"cannot take the crawl lock: {exc}")
    raise AssertionError("unreachable")


def repair(paths: Paths, *, exclusive: bool) -> None:
    """Close what a killed crawl left: open WARCs, its missing rows, its run (interrupted)."""
    from crawler.jobs.resume import prepare_crawl
    from pipelines.db import open_engine
    from pipelines.errors import StoreError

    try:
        engine = open_engine(paths.db_url)
        try:
            report = prepare_crawl(engine, paths.warc_dir, exclusive=exclusive)
        finally:
            engine.dispose()
    except StoreError as exc:
        fail(str(exc))
        return
    if report.interrupted_runs:
        click.echo(f"earlier crawl run(s) {', '.join(map(str, report.interrupted_runs))} "
                   f"did not finish: marked interrupted; {report.fetches_added} fetches and "
                   f"{report.articles.get('new', 0)} articles recovered from their WARC files",
                   err=True)


DEMO_PORT = 8637


@click.command("demo", epilog=CRAWL_EPILOG)
@storage_options
@click.option("--articles", type=click.IntRange(min=60), default=64, show_default=True,
              help="How many articles the sample site has.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=DEMO_PORT,
              show_default=True,
              help="Port of the sample site (fixed, so repeated demos re-crawl the same URLs).")
@watch_options
def demo_command(paths: Paths, articles: int, port: int, watch: Watch) -> None:
    """Serve the bundled sample site on 127.0.0.1 and crawl it: the whole pipeline, no network."""
    checks.writable_data_dir(paths)
    checks.reachable_database(paths)
    lock = take_lock(paths, shared=False, command="demo")
    repair(paths, exclusive=True)
    from crawler.sample_site import build_site, serve

    site = build_site(articles)
    try:
        server = serve(site, port=port)
    except OSError as exc:
        fail(f"cannot serve the sample site on 127.0.0.1:{port}: {exc.strerror or exc} "
             "(choose another with --port)")
    with server:
        if not watch.quiet:
            click.echo(f"sample site: {server.url} ({len(site.truth)} articles)")
        summary = _crawl([server.url.rstrip("/") + "/"], paths, watch,
                         {"AUTOTHROTTLE_ENABLED": False})
    lock.release()
    _finish(summary, paths)
