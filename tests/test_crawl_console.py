"""What a person sees while a crawl runs (issue 14), from real `chinareport crawl` processes.

Under a pseudo-terminal: the live display, then the summary. Without a terminal: plain
progress lines, or nothing but the summary with -q, or Scrapy's log with -v. A bug in a
component: one line naming the log file, which holds the traceback.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.sample_site import SiteServer, build_site, serve

ROOT = Path(__file__).resolve().parents[1]
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False"]
PROGRESS = re.compile(r"^crawling \d+:\d\d:\d\d: [\d,]+ pages, [\d.,]+/s; [\d,]+ new, [\d,]+ "
                      r"updated; [\d,]+ errors?(; [\d,]+ waiting)?$")


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    """The sample site, slowed down so that a crawl of it lasts a few seconds."""
    with serve(build_site(120), delay=0.02) as running:
        yield running


def crawl(server: SiteServer, data: Path, *args: str,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "crawl", server.url + "/",
                           "--data-dir", str(data), *FAST, *args], cwd=ROOT, check=False,
                          capture_output=True, text=True, timeout=300, env=env)


def run_log(data: Path) -> Path:
    [log] = (data / "logs").glob("run-*.log")
    return log


def test_without_a_terminal_plain_progress_lines_and_the_summary(server: SiteServer,
                                                                  tmp_path: Path) -> None:
    result = crawl(server, tmp_path, "--progress-every", "0.3")
    assert result.returncode == 0, result.stderr
    err = result.stderr.splitlines()
    assert err and all(PROGRESS.match(line) and len(line) <= 80 for line in err), result.stderr
    assert "\x1b" not in result.stdout + result.stderr  # no animation, no colour
    assert "[scrapy" not in result.stderr
    out = result.stdout.splitlines()
    assert out[0].startswith("pages fetched:") and "120 new" in out[1]
    assert out[-1] == f"log file:          {run_log(tmp_path)}"


def test_quiet_prints_only_the_summary(server: SiteServer, tmp_path: Path) -> None:
    result = crawl(server, tmp_path, "-q", "--progress-every", "0.3")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 9 and "120 new" in result.stdout
    assert "Spider opened" in run_log(tmp_path).read_text(encoding="utf-8")  # the log has it all


def test_quiet_still_shows_warnings(tmp_path: Path) -> None:
    with serve(build_site(60)) as site:
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", site.url + "/",
             site.url + "/private/nothing.html", "--data-dir", str(tmp_path), "-q", *FAST],
            cwd=ROOT, check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # the other start page was fetched
    assert result.stderr.strip() == (f"warning: start page {site.url}/private/nothing.html not "
                                     "fetched: robots.txt disallows it")


def test_verbose_streams_scrapys_log(server: SiteServer, tmp_path: Path) -> None:
    result = crawl(server, tmp_path, "-v", "--progress-every", "0.3")
    assert result.returncode == 0, result.stderr
    assert "[scrapy.core.engine] INFO: Spider opened" in result.stderr
    assert "Dumping Scrapy stats" in result.stderr
    assert not any(PROGRESS.match(line) for line in result.stderr.splitlines())
    assert "120 new" in result.stdout
    assert "Spider opened" in run_log(tmp_path).read_text(encoding="utf-8")


def test_verbose_and_quiet_together_is_a_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "http://127.0.0.1:1/",
                             "-v", "-q", "--data-dir", str(tmp_path)], cwd=ROOT, check=False,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "chinareport: error: give -v/--verbose or -q/--quiet, not both"]


def test_a_bug_is_one_line_naming_the_log_file_that_has_its_traceback(
        tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    with serve(build_site(60)) as site:
        result = crawl(site, tmp_path, "-s",
                       'ITEM_PIPELINES={"buggy_components.FailingPipeline": 100}', env=env)
    log = run_log(tmp_path)
    assert "Traceback" not in result.stdout + result.stderr
    errors = result.stderr.splitlines()
    assert 1 <= len(errors) <= 5, result.stderr  # 60 failing items, at most five lines
    for line in errors:
        assert line.startswith("error: Error processing")
        named = f"(unexpected: the traceback is in {log})"
        assert line.endswith((named, f"{named}; further ones only in the log"))
        assert len(line) < 400  # the item's repr (a whole article) is cut
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "ValueError: a bug in an item pipeline" in text
    assert result.stdout.splitlines()[-1] == f"log file:          {log}"


def read_pty(fd: int, pid: int, timeout: float = 240) -> tuple[bytes, int]:
    """Everything the child writes to its terminal, and its exit status."""
    output = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
    _, status = os.waitpid(pid, 0)
    return output, os.waitstatus_to_exitcode(status)


def test_on_a_terminal_a_live_display_then_the_summary(server: SiteServer,
                                                       tmp_path: Path) -> None:
    import fcntl
    import struct
    import termios

    argv = [sys.executable, "-m", "crawler", "crawl", server.url + "/", "--data-dir",
            str(tmp_path), *FAST]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a crawl on an 80-column terminal
        os.chdir(ROOT)
        os.environ.update(TERM="xterm-256color", COLUMNS="80", LINES="24")
        os.execv(sys.executable, argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    raw, code = read_pty(fd, pid)
    os.close(fd)
    screen = raw.decode("utf-8", errors="replace")
    assert code == 0, screen[-3000:]
    assert "Traceback" not in screen
    assert "\x1b[?25l" in screen and "\x1b[?25h" in screen  # the cursor hidden, then back
    frames = re.findall(r"([\d,]+) pages, [\d.]+/s", screen)
    assert len(set(frames)) >= 2, "the display did not move"  # it updated as pages came
    assert "articles: " in screen and "errors: " in screen  # the live block's lines
    summary = screen[screen.rindex("\x1b[?25h"):]
    assert "pages fetched:" in summary and "120 new" in summary  # the summary after it
    assert f"log file:          {run_log(tmp_path)}" in summary
    assert "[scrapy" not in screen
