"""`chinareport show ID_OR_URL`: one stored article, its history, or its archived response."""

from __future__ import annotations

import json
import sys

import click

from crawler.cli.common import fail, storage_options
from crawler.cli.plain_text import terminal_json
from crawler.jobs.paths import Paths


@click.command("show")
@click.argument("id_or_url")
@storage_options
@click.option("--raw", is_flag=True, help="Print the archived HTTP response from its WARC.")
@click.option("--versions", is_flag=True, help="List the article's earlier versions.")
def show_command(id_or_url: str, paths: Paths, raw: bool, versions: bool) -> None:
    """Print one article (by id or URL) as JSON; control characters in it as \\u escapes."""
    from pipelines.db import open_engine
    from pipelines.errors import StoreError
    from pipelines.query import article_versions, get_article

    try:
        engine = open_engine(paths.db_url)
        article = get_article(engine, id_or_url)
        if article is None:
            fail(f"no article {id_or_url!r} in {paths.db_url}")
        assert article is not None
        if versions:
            for version in article_versions(engine, article["id"]):
                click.echo(terminal_json(json.dumps(version, ensure_ascii=False)))
            return
    except StoreError as exc:
        fail(str(exc))
        return
    if raw:
        _print_raw(article, paths)
        return
    click.echo(terminal_json(json.dumps(article, ensure_ascii=False, indent=2, default=str)))


def _print_raw(article: dict, paths: Paths) -> None:
    from archive.errors import ArchiveError
    from archive.reader import read_at
    from archive.writer import reason_phrase

    warc = article.get("warc") or {}
    if not warc.get("filename"):
        fail(f"article {article['id']} has no archived response")
    try:
        # read_at refuses file names that would lead out of the WARC folder.
        record = read_at(paths.warc_dir, {"record_id": "", **warc})
    except (ArchiveError, OSError) as exc:
        fail(f"cannot read the archived response: {exc}")
        return
    out = sys.stdout.buffer
    out.write(f"HTTP/1.1 {record.status} {reason_phrase(record.status)}\r\n".encode("latin-1"))
    for name, value in record.headers:
        out.write(f"{name}: {value}\r\n".encode("latin-1", "replace"))
    out.write(b"\r\n")
    out.write(record.body)
    out.flush()
