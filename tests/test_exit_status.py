"""Exit statuses of `crawl`, `demo` and `reparse` (crawler/jobs/exit_status.py), run for real.

Each case is a `chinareport` subprocess against a real local server, or a closed port on
127.0.0.1 (a socket bound but not listening: connections are refused, and the port stays
ours for the test). Retries are off and timeouts short, so each run takes a few seconds.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from warcio.warcwriter import WARCWriter

from crawler.jobs import exit_status
from crawler.sample_site import build_site, serve

FAULTSERVER = Path(__file__).with_name("faultserver.py")
FAST = ["-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=5", "-s", "AUTOTHROTTLE_ENABLED=False",
        "--log-level", "WARNING"]
PROJECT_CODE = re.compile(r'File "[^"]*/(crawler|archive|pipelines)/[^"]*\.py"')


@pytest.fixture
def closed_port() -> Iterator[str]:
    """The URL of a port on 127.0.0.1 that refuses connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


@pytest.fixture(scope="module")
def faultserver() -> Iterator[str]:
    with subprocess.Popen([sys.executable, str(FAULTSERVER)], stdout=subprocess.PIPE,
                          text=True) as process:
        try:
            yield process.stdout.readline().strip()  # type: ignore[union-attr]
        finally:
            process.terminate()
            process.wait(timeout=10)


def chinareport(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], check=False,
                          capture_output=True, text=True, timeout=300)


def our_lines(stderr: str) -> list[str]:
    """What the command itself said (Scrapy's log aside)."""
    return [line for line in stderr.splitlines() if line.startswith("chinareport:")]


def outcomes(data: Path) -> list[str]:
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT outcome FROM crawl_runs ORDER BY id")).scalars())
    finally:
        engine.dispose()


def test_a_refused_start_page_exits_3_with_one_line(closed_port: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = chinareport("crawl", closed_port, "--data-dir", str(data), *FAST)
    assert result.returncode == exit_status.NOTHING_FETCHED, result.stderr[-3000:]
    message = ("chinareport: error: the start page could not be fetched (connection refused): "
               f"{closed_port}")
    assert our_lines(result.stderr) == [message]
    assert result.stderr.strip().splitlines()[-1] == message  # the last word
    assert not PROJECT_CODE.search(result.stderr), result.stderr
    assert "errors:            2 (connection_refused 2)" in result.stdout  # robots.txt and page
    assert outcomes(data) == ["unreachable"]


def test_every_start_page_failing_exits_3_naming_each(faultserver: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    server_error, forbidden = faultserver + "/error-500.html", faultserver + "/private.html"
    result = chinareport("crawl", server_error, forbidden, "--data-dir", str(data), *FAST)
    assert result.returncode == exit_status.NOTHING_FETCHED, result.stderr[-3000:]
    [line] = our_lines(result.stderr)
    assert line.startswith("chinareport: error: none of the 2 start pages could be fetched: ")
    assert f"{server_error} (HTTP 500)" in line
    assert f"{forbidden} (Forbidden by robots.txt)" in line
    assert outcomes(data) == ["unreachable"]


def test_a_crawl_with_some_404s_exits_0(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serve(build_site(12)) as server:
        # One start page of two is missing, and the site links to a deleted article.
        result = chinareport("crawl", server.url + "/", server.url + "/no-such-channel/",
                             "--data-dir", str(data), *FAST)
    assert result.returncode == exit_status.OK, result.stderr[-3000:]
    assert our_lines(result.stderr) == []
    errors = next(line for line in result.stdout.splitlines() if line.startswith("errors:"))
    assert re.search(r"http_404 [2-9]", errors), errors
    assert outcomes(data) == ["finished"]


def test_a_crawl_while_another_holds_the_lock_exits_75(closed_port: str, tmp_path: Path) -> None:
    from crawler.jobs.lock import CrawlLock

    data = tmp_path / "data"
    with CrawlLock(f"sqlite:///{data / 'articles.db'}", data, command="crawl"):
        crawl = chinareport("crawl", closed_port, "--data-dir", str(data), *FAST)
        schedule = chinareport("schedule", "--every", "1h", closed_port, "--data-dir", str(data))
    for result in (crawl, schedule):
        assert result.returncode == exit_status.LOCKED, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("chinareport: error: another crawl is running on sqlite:")
        assert "chinareport crawl (pid " in line


def test_reparse_of_warcs_without_records_exits_3(tmp_path: Path) -> None:
    warc = tmp_path / "empty.warc.gz"
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(warc.name, {"software": "test"}))
    result = chinareport("reparse", str(warc), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == exit_status.NOTHING_FETCHED, result.stderr
    assert result.stderr.strip().splitlines() == [
        "chinareport: error: no response record to re-parse in 1 WARC file(s)"]


@pytest.mark.parametrize("command", ["crawl", "demo", "reparse"])
def test_help_lists_the_exit_statuses(command: str) -> None:
    from click.testing import CliRunner

    from crawler.cli import main

    output = CliRunner().invoke(main, [command, "--help"], terminal_width=80).output
    assert "Exit status:" in output
    for status in ("0 ", "1 ", "2 ", "3 "):
        assert f"\n    {status}" in output, output
    assert ("75  another crawl holds the lock" in output) == (command != "reparse")
