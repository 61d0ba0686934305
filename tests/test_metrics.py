"""`chinareport stats --format prometheus`: parsed back with prometheus_client, equal to the JSON.

The archive is filled through the real store (SQLite and PostgreSQL) or by a real crawl of the
sample site; the output is read with prometheus_client's own text parser, as Prometheus would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from crawler.cli import main
from crawler.sample_site import build_site, serve
from pipelines.db import open_engine
from pipelines.metrics import write_prometheus_file
from pipelines.store import ArticleStore, StoreItem

SEEN = datetime(2024, 3, 1, tzinfo=UTC)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    """Every sample as {(name, sorted labels): value}."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def article(n: int, channel: str | None, status: str = "ok") -> StoreItem:
    record = {
        "url": f"http://www.chinareports.org.cn/a/{n}.html", "title": f"标题{n}",
        "published": "2024-02-26T11:33:41+08:00", "source": "中国报道", "authors": ["黄楚芳"],
        "editors": [], "channel": channel, "body": "厚街镇推进高质量发展。", "images": [],
        "status": status, "parser_version": "1",
    }
    if status == "partial":
        record["missing"] = ["images"]
    return StoreItem(record, SEEN)


def fill(db_url: str) -> None:
    """Articles in two channels, a finished run, an unreachable one, one still running."""
    engine = open_engine(db_url)
    store = ArticleStore(engine)
    store.store_articles([article(1, "乡村"), article(2, "乡村"), article(3, "经济", "partial"),
                          article(4, None, "not_article")])
    first = store.start_run({"command": "crawl"})
    store.finish_run(first, {"pages_fetched": 40, "articles_new": 4, "articles_changed": 0,
                             "articles_unchanged": 0, "errors": {"http_404": 2},
                             "warc_files": 1, "warc_bytes": 123456}, "finished")
    second = store.start_run({"command": "crawl"})
    store.finish_run(second, {"pages_fetched": 0, "articles_new": 0, "articles_changed": 1,
                              "articles_unchanged": 2, "errors": {"dns": 4, "timeout": 1},
                              "warc_files": 0, "warc_bytes": 0}, "unreachable")
    store.start_run({"command": "crawl"})  # in flight: not the last finished run
    engine.dispose()


def assert_matches_json(found: Samples, data: dict[str, Any]) -> None:
    """Each number of the JSON is the value of its metric."""
    assert found[("chinareport_articles", ())] == data["articles"]
    for status, count in data["by_status"].items():
        assert found[("chinareport_articles_by_status", (("status", status),))] == count
    for row in data["by_channel"]:
        key = (("channel", row["channel"] or ""), ("site", row["site"] or ""))
        assert found[("chinareport_channel_articles", key)] == row["articles"]
    for outcome, count in data["runs_by_outcome"].items():
        assert found[("chinareport_runs_total", (("outcome", outcome),))] == count
    run = data["last_run"]
    counts = run["counts"]
    started = datetime.fromisoformat(run["started"]).timestamp()
    finished = datetime.fromisoformat(run["finished"]).timestamp()
    assert found[("chinareport_last_run_start_timestamp_seconds", ())] == pytest.approx(started)
    assert found[("chinareport_last_run_end_timestamp_seconds", ())] == pytest.approx(finished)
    assert found[("chinareport_last_run_duration_seconds", ())] == run["duration"]
    assert run["duration"] == pytest.approx(finished - started, abs=1e-5)
    outcome = {dict(k[1])["outcome"]: v for k, v in found.items()
               if k[0] == "chinareport_last_run_outcome"}
    assert outcome[run["outcome"]] == 1 and sum(outcome.values()) == 1
    assert found[("chinareport_last_run_pages_fetched", ())] == counts["pages_fetched"]
    for key, label in (("articles_new", "new"), ("articles_changed", "updated"),
                       ("articles_unchanged", "unchanged")):
        assert found[("chinareport_last_run_articles", (("outcome", label),))] == counts[key]
    errors = {dict(k[1])["kind"]: v for k, v in found.items()
              if k[0] == "chinareport_last_run_errors"}
    assert errors == counts["errors"]
    assert found[("chinareport_last_run_warc_files", ())] == counts["warc_files"]
    assert found[("chinareport_last_run_warc_bytes", ())] == counts["warc_bytes"]


def test_prometheus_output_matches_the_json(db_url: str, tmp_path: Path) -> None:
    fill(db_url)
    common = ("--db", db_url, "--data-dir", str(tmp_path))
    data = json.loads(cli("stats", "--format", "json", *common))
    text = cli("stats", "--format", "prometheus", *common)
    found = samples(text)
    assert_matches_json(found, data)
    # What the store holds, not only what the JSON says: the last finished run, all runs.
    assert data["last_run"]["outcome"] == "unreachable"
    assert data["runs_by_outcome"] == {"finished": 1, "unreachable": 1, "running": 1}
    assert found[("chinareport_articles", ())] == 4
    assert found[("chinareport_channel_articles",
                  (("channel", "乡村"), ("site", "www.chinareports.org.cn")))] == 2
    assert found[("chinareport_last_run_errors", (("kind", "dns"),))] == 4
    # A known outcome no run has had is there at 0, so increase() works from the first one.
    assert found[("chinareport_runs_total", (("outcome", "interrupted"),))] == 0


def test_an_empty_archive_has_no_last_run(tmp_path: Path) -> None:
    text = cli("stats", "--format", "prometheus", "--data-dir", str(tmp_path))
    found = samples(text)
    assert found[("chinareport_articles", ())] == 0
    assert not any(name.startswith("chinareport_last_run") for name, _ in found)


def test_a_real_crawl_counts_its_warc_files(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with serve(build_site(12)) as server:
        crawl = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", server.url + "/", "--data-dir",
             str(data_dir), "-s", "AUTOTHROTTLE_ENABLED=False", "--log-level", "WARNING"],
            check=False, capture_output=True, text=True, timeout=300,
        )
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    common = ("--data-dir", str(data_dir))
    data = json.loads(cli("stats", "--format", "json", *common))
    found = samples(cli("stats", "--format", "prometheus", *common))
    assert_matches_json(found, data)
    warcs = list((data_dir / "warc").glob("*.warc.gz"))
    counts = data["last_run"]["counts"]
    assert counts["warc_files"] == len(warcs) >= 1
    # Record bytes: every file's size less its warcinfo header record.
    assert 0.9 * sum(p.stat().st_size for p in warcs) < counts["warc_bytes"] <= sum(
        p.stat().st_size for p in warcs)
    assert counts["pages_fetched"] > 12 and counts["articles_new"] >= 12
    assert data["last_run"]["outcome"] == "finished"


def test_output_file_is_replaced_by_a_rename(tmp_path: Path) -> None:
    target = tmp_path / "textfile" / "chinareport.prom"
    target.parent.mkdir()
    common = ("--data-dir", str(tmp_path / "data"))
    assert cli("stats", "--format", "prometheus", "-o", str(target), *common) == ""
    first = target.stat().st_ino
    fill(f"sqlite:///{tmp_path / 'data' / 'articles.db'}")
    cli("stats", "--format", "prometheus", "--output", str(target), *common)
    assert target.stat().st_ino != first  # a new file renamed over the old, not rewritten
    assert [p.name for p in target.parent.iterdir()] == ["chinareport.prom"]  # no temp left
    assert samples(target.read_text())[("chinareport_articles", ())] == 4


def test_a_reader_never_sees_a_partial_file(tmp_path: Path) -> None:
    # Large enough (about 1 MB) that a write in place would be caught half done.
    stats = {"articles": 1, "by_status": {"ok": 1}, "runs_by_outcome": {}, "last_run": None,
             "by_channel": [{"site": "example.com", "channel": f"栏目{i}", "articles": i}
                            for i in range(12000)]}
    target = tmp_path / "chinareport.prom"
    write_prometheus_file(stats, target)
    whole = target.read_bytes()
    done = threading.Event()
    seen: list[int] = []

    def read() -> None:
        while not done.is_set():
            seen.append(len(target.read_bytes()))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(30):
            write_prometheus_file(stats, target)
    finally:
        done.set()
        reader.join()
    assert seen and set(seen) == {len(whole)}


def test_output_needs_the_prometheus_format_and_a_writable_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["stats", "--data-dir", str(tmp_path), "-o",
                                       str(tmp_path / "x.prom")])
    assert result.exit_code == 2 and "--output goes with --format prometheus" in result.output
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "stats", "--format", "prometheus", "--data-dir",
         str(tmp_path), "-o", str(tmp_path / "missing" / "x.prom")],
        check=False, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    message = (f"chinareport: error: cannot write {tmp_path / 'missing' / 'x.prom'}: "
               "No such file or directory")
    assert result.stderr.strip().splitlines() == [message]
    assert not os.path.exists(tmp_path / "missing")
