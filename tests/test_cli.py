"""The command line: help for every command, and one-line errors for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main

COMMANDS = sorted(main.commands)


def test_the_design_commands_exist():
    for name in ("crawl", "demo", "parse", "reparse", "query", "show", "export", "index",
                 "stats", "eval", "db"):
        assert name in main.commands, name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert main.commands[name].help


def chinareport(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], check=False, capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_invalid_url(tmp_path):
    assert_one_line_error(chinareport("crawl", "not a url", "--data-dir", str(tmp_path)),
                          "invalid URL")


def test_invalid_date(tmp_path):
    assert_one_line_error(chinareport("query", "--since", "2024-13-45", "--data-dir",
                                      str(tmp_path)), "2024-13-45")


def test_unknown_format(tmp_path):
    result = chinareport("query", "--format", "xml", "--data-dir", str(tmp_path))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "xml" in result.stderr


def test_unreachable_database(tmp_path):
    result = chinareport("query", "--db", "postgresql://nobody@127.0.0.1:1/none",
                         "--data-dir", str(tmp_path))
    assert_one_line_error(result, "127.0.0.1")


def test_unwritable_data_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = chinareport("crawl", "http://127.0.0.1:1/", "--data-dir", str(blocker / "data"))
    assert_one_line_error(result, "not writable")


def test_directory_given_where_a_warc_is_expected(tmp_path):
    assert_one_line_error(chinareport("reparse", str(tmp_path), "--data-dir", str(tmp_path)),
                          "is a directory")


def test_corrupt_warc_to_reparse(tmp_path):
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    result = chinareport("reparse", str(bad), "--data-dir", str(tmp_path), "--workers", "1")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "bad.warc.gz" in result.stderr


def test_non_html_file_to_parse(tmp_path):
    png = tmp_path / "image.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert_one_line_error(chinareport("parse", str(png)), "image.png", "not an HTML page")


def test_missing_file_to_parse(tmp_path):
    assert_one_line_error(chinareport("parse", str(tmp_path / "nope.html")), "nope.html")


def test_demo_runs_offline_without_a_traceback(tmp_path):
    """The demo on a machine that never crawled before: no tldextract cache, no network."""
    import os

    env = {**os.environ, "TLDEXTRACT_CACHE": str(tmp_path / "tld-cache")}
    env.pop("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", None)
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--data-dir", str(tmp_path / "data"),
         "--port", "0"],
        check=False, capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "64 new" in result.stdout
    assert "WARC files:        1" in result.stdout


def test_invalid_keep_logs(tmp_path):
    assert_one_line_error(chinareport("crawl", "http://127.0.0.1:1/", "--keep-logs", "lots",
                                      "--data-dir", str(tmp_path)), "--keep-logs", "'lots'")
