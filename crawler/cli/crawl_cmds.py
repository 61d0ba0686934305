"""`chinareport crawl` and `chinareport demo`: run the whole pipeline."""

from __future__ import annotations

from typing import Any

import click

from crawler.cli import checks
from crawler.cli.common import Paths, fail, storage_options


def parse_setting_overrides(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``-s NAME=VALUE`` options as a settings dict, as `scrapy crawl` takes them."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"invalid setting {pair!r}: use -s NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


def _finish(summary: Any, paths: Paths) -> None:
    from crawler.runner import format_summary

    click.echo(format_summary(summary, paths))
    if summary.failure:
        fail(f"the crawl stopped early: {summary.failure}")


@click.command("crawl")
@click.argument("start_urls", nargs=-1)
@storage_options
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Stop after this many responses.")
@click.option("--job-dir", type=click.Path(file_okay=False), default=None,
              help="Keep the crawl state here so an interrupted crawl can resume.")
@click.option("--warc-max-size", type=click.IntRange(min=1024), default=None,
              help="Start a new WARC file past this many bytes (default 1 GiB).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Any Scrapy setting, as with `scrapy crawl -s`.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
def crawl_command(start_urls: tuple[str, ...], paths: Paths, max_pages: int | None,
                  job_dir: str | None, warc_max_size: int | None, settings: tuple[str, ...],
                  log_level: str) -> None:
    """Crawl START_URLS (default: the real 中国报道 home and channel pages), staying on their sites."""
    urls = [checks.valid_start_url(u) for u in start_urls]
    overrides = parse_setting_overrides(settings)
    if max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = max_pages
    if job_dir:
        overrides["JOBDIR"] = job_dir
    if warc_max_size:
        overrides["WARC_MAX_SIZE"] = warc_max_size
    checks.writable_data_dir(paths)
    checks.reachable_database(paths)
    from crawler.runner import run_crawl

    _finish(run_crawl(urls, paths, overrides=overrides, log_level=log_level), paths)


DEMO_PORT = 8637


@click.command("demo")
@storage_options
@click.option("--articles", type=click.IntRange(min=60), default=64, show_default=True,
              help="How many articles the sample site has.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=DEMO_PORT,
              show_default=True,
              help="Port of the sample site (fixed, so repeated demos re-crawl the same URLs).")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
def demo_command(paths: Paths, articles: int, port: int, log_level: str) -> None:
    """Serve the bundled sample site on 127.0.0.1 and crawl it: the whole pipeline, no network."""
    checks.writable_data_dir(paths)
    checks.reachable_database(paths)
    from crawler.runner import run_crawl
    from crawler.sample_site import build_site, serve

    site = build_site(articles)
    try:
        server = serve(site, port=port)
    except OSError as exc:
        fail(f"cannot serve the sample site on 127.0.0.1:{port}: {exc.strerror or exc} "
             "(choose another with --port)")
    with server:
        click.echo(f"sample site: {server.url} ({len(site.truth)} articles)")
        summary = run_crawl(
            [server.url.rstrip("/") + "/"],
            paths,
            overrides={"AUTOTHROTTLE_ENABLED": False},
            log_level=log_level,
        )
    _finish(summary, paths)
