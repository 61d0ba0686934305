"""`chinareport schedule`: intervals and cron, repeated runs as child processes, SIGTERM ends cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crawler.jobs.lock import CrawlLock
from crawler.jobs.schedule import Schedule, ScheduleError, ScheduleLoop, parse_every
from crawler.sample_site import build_site, serve

QUIET = ["-s", "AUTOTHROTTLE_ENABLED=False", "--log-level", "WARNING"]


def test_parse_every():
    assert parse_every("90s") == 90
    assert parse_every("15m") == 900
    assert parse_every("1h") == 3600
    assert parse_every("1h30m") == 5400
    assert parse_every("1d") == 86400
    for bad in ("", "1x", "h", "0s", "1h banana"):
        with pytest.raises(ScheduleError):
            parse_every(bad)


def test_interval_runs_at_once_then_every_interval():
    now = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)
    schedule = Schedule(every=3600)
    assert schedule.first(now) == now
    assert schedule.next_after(now) == datetime(2026, 1, 1, 11, 0, 0, tzinfo=UTC)


def test_cron_runs_at_its_times():
    now = datetime(2026, 1, 1, 10, 17, 5, tzinfo=UTC)
    nxt = Schedule(cron="0 * * * *").first(now)
    assert nxt > now and nxt.minute == 0 and nxt.second == 0
    assert (nxt - now).total_seconds() <= 3600
    with pytest.raises(ScheduleError):
        Schedule(cron="not a cron line")
    with pytest.raises(ScheduleError):
        Schedule(every=1, cron="0 * * * *")


def _runs(data: Path) -> list[tuple]:
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT id, outcome, finished, started FROM crawl_runs ORDER BY id"
            )).all()
    finally:
        engine.dispose()


def test_two_runs_on_an_interval(tmp_path):
    data = tmp_path / "data"
    with serve(build_site(12)) as server:
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "schedule", "--every", "2s", "--max-runs", "2",
             server.url + "/", "--data-dir", str(data), *QUIET],
            check=False, capture_output=True, text=True, timeout=300,
        )
    assert result.returncode == 0, result.stderr
    runs = _runs(data)
    assert [r.outcome for r in runs] == ["finished", "finished"]
    assert runs[1].started > runs[0].finished  # never two at once
    assert result.stdout.count("pages fetched:") == 2  # each run's summary


def test_bad_crawl_option_is_refused_before_any_run(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "schedule", "--every", "1h", "--no-such-option",
         "--data-dir", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "no-such-option" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _start_site(articles: int, delay: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.sample_site", "--articles", str(articles), "--delay",
         str(delay)],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _fetches(data: Path) -> int:
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM fetches")).scalar_one())
    except Exception:  # noqa: BLE001 - the database may not exist yet
        return 0
    finally:
        engine.dispose()


def test_sigterm_finishes_the_run_in_flight_and_exits(tmp_path):
    data = tmp_path / "data"
    site, url = _start_site(300, 0.1)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "schedule", "--every", "1h", url + "/",
             "--data-dir", str(data), *QUIET],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 120
        while _fetches(data) < 20 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert proc.poll() is None, "the schedule ended by itself"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        site.terminate()
        site.wait()
    assert proc.returncode == 0, err
    assert "schedule ended after 1 run(s)" in err
    runs = _runs(data)
    assert len(runs) == 1 and runs[0].outcome == "interrupted" and runs[0].finished is not None
    assert "pages fetched:" in out  # the run closed cleanly and summarised itself
    with CrawlLock(f"sqlite:///{data / 'articles.db'}", data):  # and the lock is free again
        pass


def _loop_over(statuses: list[int], tmp_path: Path, **limits: int) -> tuple[ScheduleLoop, int]:
    """A loop whose runs are real child processes exiting with ``statuses`` in turn; its end."""
    counter = tmp_path / "runs"
    script = (
        "import pathlib, sys\n"
        f"counter = pathlib.Path({str(counter)!r})\n"
        "n = int(counter.read_text()) if counter.exists() else 0\n"
        "counter.write_text(str(n + 1))\n"
        f"sys.exit({statuses!r}[n])\n"
    )
    loop = ScheduleLoop([sys.executable, "-c", script], Schedule(every=0.01), **limits)
    return loop, loop.run()


def test_the_schedule_goes_on_after_failed_runs(tmp_path):
    loop, status = _loop_over([3, 1, 3, 0], tmp_path, max_runs=4)
    assert loop.runs == [3, 1, 3, 0] and status == 0


def test_max_failures_counts_failed_runs_in_a_row(tmp_path):
    # 75 (another crawl held the lock) is a skipped run: no failure, and no success either.
    loop, status = _loop_over([3, 0, 3, 75, 1, 0], tmp_path, max_failures=2)
    assert loop.runs == [3, 0, 3, 75, 1] and status == 1
    assert loop.ending() == "2 failed runs in a row (--max-failures 2)"


def test_max_failures_stops_a_schedule_of_a_refused_site_with_status_3(tmp_path):
    data = tmp_path / "data"
    with socket.socket() as closed:  # bound, not listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/"
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "schedule", "--every", "1s", "--max-failures", "2",
             url, "--data-dir", str(data), "-s", "RETRY_TIMES=0", *QUIET],
            check=False, capture_output=True, text=True, timeout=300,
        )
    assert result.returncode == 3, result.stderr[-3000:]
    assert time.monotonic() - started < 120
    assert [r.outcome for r in _runs(data)] == ["unreachable", "unreachable"]
    lines = result.stderr.splitlines()
    first, second = [x for x in lines if x.startswith("WARNING crawler.jobs.schedule: run ")
                     and " failed: " in x]
    assert first.startswith("WARNING crawler.jobs.schedule: run 1 failed: exit 3 (nothing "
                            "fetched), 1 in a row; next run at ")
    assert second == ("WARNING crawler.jobs.schedule: run 2 failed: exit 3 (nothing fetched), "
                      "2 in a row")
    assert lines[-1] == "schedule ended after 2 run(s): 2 failed runs in a row (--max-failures 2)"
    assert result.stdout.count("pages fetched:     0") == 2  # each run summarised itself


def test_the_console_and_log_flags_pass_on_to_each_run(tmp_path):
    """-q, --keep-logs and -v given to schedule reach its runs (issue 14)."""
    quiet, verbose = tmp_path / "quiet", tmp_path / "verbose"
    with serve(build_site(12)) as server:
        first = subprocess.run(
            [sys.executable, "-m", "crawler", "schedule", "--every", "1s", "--max-runs", "2",
             server.url + "/", "--data-dir", str(quiet), "-q", "--progress-every", "0.1",
             "--keep-logs", "1", "-s", "AUTOTHROTTLE_ENABLED=False"],
            check=False, capture_output=True, text=True, timeout=300,
        )
        second = subprocess.run(
            [sys.executable, "-m", "crawler", "schedule", "--every", "1h", "--max-runs", "1",
             server.url + "/", "--data-dir", str(verbose), "-v",
             "-s", "AUTOTHROTTLE_ENABLED=False"],
            check=False, capture_output=True, text=True, timeout=300,
        )
    assert first.returncode == 0, first.stderr
    assert "crawling 0:" not in first.stderr  # -q: no progress lines
    assert first.stdout.count("pages fetched:") == 2
    assert len(_runs(quiet)) == 2
    [log] = (quiet / "logs").glob("run-*.log")  # --keep-logs 1: the first run's log pruned
    assert log.name.startswith("run-2-")
    assert second.returncode == 0, second.stderr
    assert "[scrapy.core.engine] INFO: Spider opened" in second.stderr  # -v: Scrapy's log
