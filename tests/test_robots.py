"""robots.txt (issue 7, security): obeyed by default, ignored only when the user asks.

Two real `chinareport crawl` runs of the sample site, whose robots.txt disallows
``/private/`` and whose 时政 listing links a page there: one with the defaults, one with
``-s ROBOTSTXT_OBEY=False``. Each is checked in its fetches table, its WARC files (records and
the warcinfo ``robots`` field) and its log.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.sample_site import SampleSite, build_site, serve

ROOT = Path(__file__).resolve().parents[1]


def crawl(url: str, data: Path, *settings: str) -> str:
    """`chinareport crawl URL` into ``data`` at DEBUG; its log file, which shows robots.txt
    refusals."""
    command = [sys.executable, "-m", "crawler", "crawl", url + "/", "--data-dir", str(data),
               "--log-level", "DEBUG", "-s", "AUTOTHROTTLE_ENABLED=False", *settings]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n" \
                                   f"{result.stderr[-3000:]}"
    [log] = (data / "logs").glob("run-*.log")
    return log.read_text(encoding="utf-8")


def fetched(data: Path) -> dict[str, int | None]:
    """URL -> status of every fetch attempt the crawl recorded."""
    with sqlite3.connect(data / "articles.db") as db:
        return dict(db.execute("SELECT url, status FROM fetches"))


def run_arguments(data: Path) -> dict[str, Any]:
    with sqlite3.connect(data / "articles.db") as db:
        [(arguments,)] = db.execute("SELECT arguments FROM crawl_runs").fetchall()
    return dict(json.loads(arguments))


def warc_contents(data: Path) -> tuple[set[str], set[str]]:
    """(URIs of response records, ``robots`` values of warcinfo records) in the data dir."""
    uris: set[str] = set()
    robots: set[str] = set()
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    uris.add(record.rec_headers.get_header("WARC-Target-URI"))
                elif record.rec_type == "warcinfo":
                    for line in record.content_stream().read().decode("utf-8").splitlines():
                        name, _, value = line.partition(":")
                        if name.strip() == "robots":
                            robots.add(value.strip())
    return uris, robots


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The sample site crawled twice into fresh data dirs: default, then robots.txt off."""
    site: SampleSite = build_site(60)
    assert site.disallowed_paths, "the sample site plants a robots-disallowed page"
    obey, ignore = tmp_path_factory.mktemp("obey"), tmp_path_factory.mktemp("ignore")
    with serve(site) as server:
        yield {
            "url": server.url,
            "disallowed": [server.url + path for path in site.disallowed_paths],
            "obey": (obey, crawl(server.url, obey)),
            "ignore": (ignore, crawl(server.url, ignore, "-s", "ROBOTSTXT_OBEY=False")),
        }


def test_disallowed_page_is_never_fetched_by_default(runs: dict[str, Any]) -> None:
    data, log = runs["obey"]
    fetches = fetched(data)
    assert fetches.get(runs["url"] + "/robots.txt") == 200, "robots.txt was not fetched first"
    uris, robots = warc_contents(data)
    for url in runs["disallowed"]:
        # The link was found and refused, not merely never seen.
        assert f"Forbidden by robots.txt: <GET {url}>" in log, url
        assert url not in fetches, f"{url} is disallowed by robots.txt but was fetched"
        assert url not in uris, f"{url} is disallowed by robots.txt but was archived"
    assert robots == {"obey"}, f"warcinfo robots field: {robots}"


def test_disallowed_page_is_fetched_only_when_asked(runs: dict[str, Any]) -> None:
    data, log = runs["ignore"]
    fetches = fetched(data)
    uris, robots = warc_contents(data)
    for url in runs["disallowed"]:
        assert fetches.get(url) == 200, f"{url} not fetched with ROBOTSTXT_OBEY=False"
        assert url in uris, f"{url} fetched but not archived"
    assert "Forbidden by robots.txt" not in log
    assert runs["url"] + "/robots.txt" not in fetches, "robots.txt fetched though ignored"
    assert robots == {"ignore"}, f"warcinfo robots field: {robots}"
    assert run_arguments(data)["overrides"].get("ROBOTSTXT_OBEY") == "False", \
        "the crawl run does not record that robots.txt was turned off"
