"""`chinareport parse FILE...`: parse saved pages offline, one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crawler.cli import checks
from crawler.cli.common import fail


def _looks_like_html(data: bytes) -> bool:
    head = data[:4096]
    if not head.strip():
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"<" in head


@click.command("parse")
@click.argument("files", nargs=-1, required=True)
@click.option("--url", default=None, help="The URL the page came from (one file only).")
def parse_command(files: tuple[str, ...], url: str | None) -> None:
    """Parse saved HTML FILES and print one JSON record per line, in input order."""
    from crawler.parser import parse_page

    if url and len(files) > 1:
        fail("--url names the source of one file; give one file with it")
    for path in checks.existing_files(files, "HTML"):
        data = _read(path)
        if not _looks_like_html(data):
            fail(f"{path} is not an HTML page")
        article = parse_page(data, url or path.resolve().as_uri())
        record = article.to_record()
        record["file"] = str(path)
        click.echo(json.dumps(record, ensure_ascii=False))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
        raise  # unreachable
