"""A real crawl of the fault server (tests/faultserver.py): every fault accounted for, nothing lost.

One `chinareport crawl` subprocess with small timeouts and limits crawls the index,
the two hostile sitemaps and every linked fault; its peak RSS is sampled with psutil.
The tests then check the exit status and summary, the log, the fetches table, the
WARC files (warcio check, truncation headers) and the server's own hit counts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psutil
import pytest
from faultserver import article_html
from sqlalchemy import create_engine, text
from warcio.archiveiterator import ArchiveIterator

from archive.reader import iter_records, read_at

ROOT = Path(__file__).resolve().parents[1]
FAULTSERVER = Path(__file__).with_name("faultserver.py")
WARCIO = str(Path(sys.executable).with_name("warcio"))
MAXSIZE = 2_000_000
BOMB_MB = 512  # about 520 kB on the wire: arrives whole, inflates past MAXSIZE
RSS_BOUND = 400 << 20  # the small bomb alone would need 512 MiB decoded, the large one 4 GiB
SETTINGS = {
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": "1",
    "RETRY_AFTER_MAX": "1.5",
    "DOWNLOAD_MAXSIZE": str(MAXSIZE),
    "AUTOTHROTTLE_ENABLED": "False",
    "REDIRECT_MAX_TIMES": "3",
}
PROJECT_CODE = re.compile(r'File "[^"]*/(crawler|archive|pipelines)/[^"]*\.py"')


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    command = [sys.executable, str(FAULTSERVER), "--slow-seconds", "5",
               "--bomb-mb", str(BOMB_MB), "--oversize-mb", "4"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            yield process.stdout.readline().strip()  # type: ignore[union-attr]
        finally:
            process.terminate()
            process.wait(timeout=10)


def _run_measured(command: list[str]) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run a command to completion, sampling its peak resident memory."""
    peak = 0
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=ROOT) as process:
        ps = psutil.Process(process.pid)
        started = time.monotonic()
        while process.poll() is None and time.monotonic() - started < 120:
            try:
                peak = max(peak, ps.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.02)
        out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(command, process.returncode, out, err), peak


@pytest.fixture(scope="module")
def crawl(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("faults")
    command = [sys.executable, "-m", "crawler", "crawl", server + "/",
               server + "/sitemap-bomb.xml", server + "/sitemap-xxe.xml", "--data-dir", str(data),
               "--progress-every", "1"]
    for name, value in SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    result, peak = _run_measured(command)
    with urllib.request.urlopen(server + "/__hits__", timeout=10) as response:
        hits = json.loads(response.read())
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM fetches ORDER BY id"))]
        articles = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM articles"))]
    engine.dispose()
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_path[unquote(urlsplit(row["url"]).path)].append(row)
    return {"data": data, "result": result, "peak": peak, "hits": hits, "rows": rows,
            "by_path": by_path, "articles": articles}


def _errors_line(stdout: str) -> dict[str, int]:
    line = next(x for x in stdout.splitlines() if x.startswith("errors:"))
    return {kind: int(n) for kind, n in re.findall(r"([a-z_0-9]+) (\d+)", line.split("(", 1)[1])}


def test_exit_zero_and_summary_counts_each_failure_by_kind(crawl: dict[str, Any]) -> None:
    result = crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "finish reason: finished" in result.stdout
    assert _errors_line(result.stdout) == {
        "timeout": 2, "connection_lost": 2, "size_limit": 2, "decompression_limit": 1,
        "http_429": 2, "http_500": 2, "http_503": 1,
    }


def test_no_traceback_from_project_code(crawl: dict[str, Any]) -> None:
    log = crawl["result"].stderr
    assert not PROJECT_CODE.search(log), PROJECT_CODE.search(log)
    assert "Unhandled error" not in log


def test_console_output_is_short_and_ends_with_the_summary_and_the_log_file(
        crawl: dict[str, Any]) -> None:
    """Without a terminal (cron): progress lines and the summary, no log, no traceback (#14).

    The bound: the summary's 9 lines on standard output; on standard error one progress line
    a second (--progress-every 1) and nothing else, since every fault here is the network's
    weather that the summary counts. The same crawl printed over 200 lines of Scrapy's log,
    with a 40-line traceback per timeout, before the log moved to its file.
    """
    result = crawl["result"]
    out, err = result.stdout.splitlines(), result.stderr.splitlines()
    assert "Traceback" not in result.stdout + result.stderr
    elapsed = float(re.search(r"elapsed: +([\d.]+) s", result.stdout)[1])  # type: ignore[index]
    progress = [line for line in err if line.startswith("crawling 0:")]
    assert [line for line in err if line not in progress] == [], result.stderr
    assert 1 <= len(progress) <= elapsed + 1
    assert all("pages" in line and "errors" in line and len(line) <= 100 for line in progress)
    assert len(out) == 9 and out[0].startswith("pages fetched:")
    log = crawl["data"] / "logs" / Path(out[-1].removeprefix("log file:").strip()).name
    assert out[-1] == f"log file:          {log}" and log.is_file()


def test_the_log_file_has_one_line_per_network_fault_and_no_traceback(
        crawl: dict[str, Any]) -> None:
    [log] = (crawl["data"] / "logs").glob("run-*.log")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text
    assert "Scrapy" in text and "Dumping Scrapy stats" in text  # the whole log, at INFO
    lines = text.splitlines()

    def about(path: str, *words: str) -> list[str]:
        return [line for line in lines if path in line and all(word in line for word in words)]

    # One line each, with the URL and the kind of the fault.
    assert about("/slow.html>", "Error downloading", ": timeout (")
    assert about("/error-500.html>", "Gave up retrying", "500 Internal Server Error")
    assert about("/reset.html>", "Gave up retrying", "connection lost")
    assert about("/rate-limited.html:", "server asked to retry after")


def test_every_attempt_is_a_fetch_row(crawl: dict[str, Any]) -> None:
    hits = {path: n for path, n in crawl["hits"].items() if path != "/__hits__"}
    rows = {path: len(r) for path, r in crawl["by_path"].items() if path != "/__hits__"}
    assert rows == hits


def _statuses(crawl: dict[str, Any], path: str) -> list[tuple[int | None, str | None]]:
    return [(r["status"], r["error_kind"]) for r in crawl["by_path"][path]]


def _gap(crawl: dict[str, Any], path: str) -> float:
    times = [datetime.fromisoformat(str(r["fetched_at"])) for r in crawl["by_path"][path]]
    return (times[1] - times[0]).total_seconds()


@pytest.mark.parametrize(("path", "expected"), [
    ("/slow.html", [(None, "timeout"), (None, "timeout")]),
    ("/reset.html", [(200, "connection_lost"), (200, "connection_lost")]),
    ("/flaky-503.html", [(503, None), (200, None)]),
    ("/rate-limited.html", [(429, None), (200, None)]),
    ("/rate-limited-long.html", [(429, None), (200, None)]),
    ("/error-500.html", [(500, None), (500, None)]),
    ("/truncated-gzip.html", [(200, None)]),
    ("/gzip-bomb.html", [(200, None)]),
    ("/gzip-bomb-large.html", [(200, "size_limit")]),
    ("/oversize.html", [(200, "size_limit")]),
    ("/redirect-loop-a.html", [(302, None)]),
    ("/redirect-loop-b.html", [(302, None)]),
    ("/offsite-redirect.html", [(302, None)]),
    ("/garbage.html", [(200, None)]),
    ("/charset-mismatch.html", [(200, None)]),
    ("/invalid-utf8.html", [(200, None)]),
    ("/empty.html", [(200, None)]),
    ("/deep-nesting.html", [(200, None)]),
    ("/sitemap-bomb.xml", [(200, None)]),
    ("/sitemap-xxe.xml", [(200, None)]),
    ("/中文/乡村振兴.html", [(200, None)] * 2),  # with and without its query string
])  # fmt: skip
def test_each_fault_is_recorded_with_its_status_or_error(
    crawl: dict[str, Any], path: str, expected: list[tuple[int | None, str | None]]
) -> None:
    assert _statuses(crawl, path) == expected


def test_retry_after_and_timeouts_follow_the_settings(crawl: dict[str, Any]) -> None:
    assert _gap(crawl, "/rate-limited.html") >= 0.95  # Retry-After: 1
    assert 1.45 <= _gap(crawl, "/rate-limited-long.html") < 10  # 3600 s, bounded by 1.5
    assert _gap(crawl, "/slow.html") >= 1.95  # each attempt waits DOWNLOAD_TIMEOUT=2
    assert len(crawl["by_path"]["/error-500.html"]) == 1 + int(SETTINGS["RETRY_TIMES"])


def test_offsite_robots_and_entities_are_not_followed(crawl: dict[str, Any]) -> None:
    hits = crawl["hits"]
    assert "/offsite-landing.html" not in hits  # the redirect went to localhost: not allowed
    assert "/private.html" not in hits  # robots.txt disallows it
    assert "/xxe-probe" not in hits  # the external entity of the sitemap was not resolved
    assert hits["/redirect-loop-a.html"] + hits["/redirect-loop-b.html"] <= 2 * 3
    assert not any(urlsplit(r["url"]).hostname == "localhost" for r in crawl["rows"])


def test_bombs_do_not_exhaust_memory(crawl: dict[str, Any]) -> None:
    assert 0 < crawl["peak"] < RSS_BOUND, f"peak RSS {crawl['peak'] >> 20} MiB"


def test_only_whole_pages_became_articles(crawl: dict[str, Any]) -> None:
    paths = {unquote(urlsplit(a["url"]).path) for a in crawl["articles"]}
    for broken in ("/reset.html", "/oversize.html", "/gzip-bomb.html", "/gzip-bomb-large.html",
                   "/slow.html", "/error-500.html", "/empty.html"):
        assert broken not in paths
    for whole in ("/flaky-503.html", "/rate-limited.html", "/charset-mismatch.html"):
        assert whole in paths
    for article in crawl["articles"]:
        assert article["title"] and article["body"], article["url"]
        assert "root:" not in article["body"]


def _warc_files(crawl: dict[str, Any]) -> list[Path]:
    return sorted((crawl["data"] / "warc").glob("*.warc.gz"))


def test_warc_files_pass_warcio_check(crawl: dict[str, Any]) -> None:
    files = _warc_files(crawl)
    assert files and not list((crawl["data"] / "warc").glob("*.open"))
    check = subprocess.run([WARCIO, "check", "-v", *map(str, files)], check=False,
                           capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_response_that_arrived_is_archived(crawl: dict[str, Any]) -> None:
    warc_dir = crawl["data"] / "warc"
    for row in crawl["rows"]:
        if row["status"] is None:
            assert row["warc_filename"] is None  # nothing arrived: no record
            continue
        assert row["warc_filename"], row["url"]
        record = read_at(warc_dir, {
            "filename": row["warc_filename"], "offset": row["warc_offset"],
            "length": row["warc_length"], "record_type": row["warc_record_type"],
            "payload_digest": "", "warc_date": "", "record_id": "",
        })
        assert record.status == row["status"] and record.uri == row["url"]
    assert len(list(iter_records(_warc_files(crawl)))) == sum(
        1 for r in crawl["rows"] if r["status"] is not None)


def _response_records(crawl: dict[str, Any]) -> dict[str, list[tuple[dict[str, str], bytes]]]:
    found: dict[str, list[tuple[dict[str, str], bytes]]] = defaultdict(list)
    for path in _warc_files(crawl):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    url = unquote(urlsplit(record.rec_headers.get_header("WARC-Target-URI")).path)
                    found[url].append((dict(record.rec_headers.headers), record.raw_stream.read()))
    return found


def test_truncated_bodies_say_so(crawl: dict[str, Any]) -> None:
    records = _response_records(crawl)
    for path in ("/oversize.html", "/gzip-bomb-large.html"):
        [(headers, body)] = records[path]
        assert headers.get("WARC-Truncated") == "length"
        assert len(body) == MAXSIZE
    oversize = records["/oversize.html"][0][1]
    assert oversize.startswith(b"<p>") and "中国报道讯".encode() in oversize
    assert records["/gzip-bomb-large.html"][0][1][:2] == b"\x1f\x8b"
    [(headers, body)] = records["/reset.html"]  # the retry's identical prefix is a revisit
    assert headers.get("WARC-Truncated") == "disconnect"
    whole = article_html("中途断开").encode() * 20
    assert 0 < len(body) < len(whole) and whole.startswith(body)
    [(headers, bomb)] = records["/gzip-bomb.html"]  # arrived whole: compressed, not truncated
    assert "WARC-Truncated" not in headers
    assert bomb[:2] == b"\x1f\x8b" and 100_000 < len(bomb) < MAXSIZE
