"""Text from archived pages is data (issue 18): it never crashes, styles or steers the terminal.

A real crawl of the fault server's hostile page (rich markup in brackets, ANSI and OSC escape
sequences, NUL, bidirectional overrides, a title of over 10,000 characters) into a real
SQLite archive; then every command that shows it, as subprocesses. Each must exit 0, print
no traceback, no ESC byte and no bidi control, and show the brackets as written. A copy of the
archive with the raw characters written back into it (as a parser before 2.2.0 stored them)
shows that the commands clean text at render time too.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faultserver import ESC, FaultServer

ROOT = Path(__file__).resolve().parents[1]
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
SHOWN = "[/] [bold red]厚街红字[/bold red]"  # how the title starts, brackets and all


def chinareport(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, check=False,
                          capture_output=True, text=True, timeout=120, encoding="utf-8",
                          errors="surrogateescape")


def assert_plain(result: subprocess.CompletedProcess[str], what: str) -> str:
    """Exit 0, no traceback, no ESC, no bidi control, nothing else unsafe; the output."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{what}: exit {result.returncode}\n{output[-2000:]}"
    assert "Traceback" not in output, f"{what}:\n{output[-3000:]}"
    assert ESC not in output, f"{what}: an ESC byte reached the terminal"
    assert not BIDI.search(output), f"{what}: a bidi control reached the terminal"
    assert not UNSAFE.search(output), f"{what}: {UNSAFE.search(output)!r}"
    return output


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("hostile")
    with FaultServer() as server:
        url = server.url + "/hostile-text.html"
        crawl = chinareport("crawl", url, "--data-dir", str(data), "--progress-every", "0.2",
                            "-s", "AUTOTHROTTLE_ENABLED=False")
    with sqlite3.connect(data / "articles.db") as db:
        [(article_id,)] = db.execute("SELECT id FROM articles").fetchall()
    yield {"data": data, "url": url, "crawl": crawl, "id": str(article_id)}


def test_the_crawls_own_console_output_is_plain(archive: dict[str, Any]) -> None:
    output = assert_plain(archive["crawl"], "crawl")
    assert "articles stored:   1 new" in output


def test_the_stored_title_keeps_its_brackets_and_its_length(archive: dict[str, Any]) -> None:
    with sqlite3.connect(archive["data"] / "articles.db") as db:
        [(title,)] = db.execute("SELECT title FROM articles").fetchall()
    assert title.startswith(SHOWN) and "[视频]【独家】" in title
    assert len(title) > 10_000 and not UNSAFE.search(title)


@pytest.mark.parametrize("args", [
    ["query"], ["query", "厚街"], ["query", "--format", "table", "--channel", "[red]乡村[5m[/red]"],
    ["query", "--format", "json"], ["query", "--format", "jsonl"], ["query", "--format", "csv"],
])
def test_query_in_every_format(archive: dict[str, Any], args: list[str]) -> None:
    output = assert_plain(chinareport(*args, "--data-dir", str(archive["data"])), " ".join(args))
    assert "[bold red]厚街红字[/bold red]" in output, output[:2000]
    if "--format" not in args or "table" in args:
        table = output.splitlines()
        assert max(map(len, table)) <= 80  # a pipe is 80 columns: the long title is cut
        assert sum("…" in line for line in table) == 1  # the one row, on one line


def test_stats_shows_the_brackets_as_written(archive: dict[str, Any]) -> None:
    for fmt in ("text", "json"):
        output = assert_plain(chinareport("stats", "--format", fmt, "--data-dir",
                                          str(archive["data"])), f"stats {fmt}")
        assert "[red]乡村[5m[/red]" in output  # the channel, ESC dropped, brackets kept


@pytest.mark.parametrize("which", ["id", "url"])
def test_show(archive: dict[str, Any], which: str) -> None:
    output = assert_plain(chinareport("show", archive[which], "--data-dir",
                                      str(archive["data"])), "show")
    assert SHOWN in output and "[bold]张三" in output


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export(archive: dict[str, Any], fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"out.{fmt}"
    assert_plain(chinareport("export", "--format", fmt, "-o", str(target), "--data-dir",
                             str(archive["data"])), f"export {fmt}")
    if fmt != "parquet":
        text = target.read_text(encoding="utf-8")
        assert SHOWN in text and ESC not in text and not BIDI.search(text)


def test_an_archive_from_an_older_parser_is_cleaned_on_the_way_out(
        archive: dict[str, Any], tmp_path: Path) -> None:
    """Raw ESC, OSC and bidi characters in the database itself never reach the terminal."""
    data = tmp_path / "old"
    shutil.copytree(archive["data"], data)
    raw = f"{ESC}]0;pwned\x07[/]{ESC}[31m红字\u202e倒序"
    with sqlite3.connect(data / "articles.db") as db:
        db.execute("UPDATE articles SET title = ? || title", (raw,))
        db.execute("UPDATE channels SET name = ? || name", (raw,))
        db.execute("UPDATE sources SET name = ? || name", (raw,))
    for args in (["query"], ["query", "--channel", raw + "[red]乡村[5m[/red]"], ["stats"]):
        output = assert_plain(chinareport(*args, "--data-dir", str(data)), " ".join(args))
        assert "[/][31m红字倒序" in output, (args, output[:1500])
    # show prints JSON: the same characters, written as escapes
    output = assert_plain(chinareport("show", archive["id"], "--data-dir", str(data)), "show")
    assert "[/]\\u001b[31m红字\\u202e倒序" in output, output[:1500]
