"""The archive's state as Prometheus metrics, for node_exporter's textfile collector.

Built from ``query.stats`` (the numbers `chinareport stats --format json` shows) with
prometheus_client, which writes the text exposition format and replaces a ``.prom`` file
atomically (a temporary file in the same folder, renamed over it), so the collector never
reads half a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest, write_to_textfile
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from pipelines.errors import StoreError

PREFIX = "chinareport"
# Outcomes a run may end with (crawl_runs.outcome): each gets a series of the labelled
# gauge, 1 for the last run's and 0 for the others, so an alert can test any of them.
OUTCOMES = ("finished", "unreachable", "interrupted", "warc_write_error", "store_error")
# The run counts' keys of the articles stored, and the label each gets.
ARTICLE_OUTCOMES = (("articles_new", "new"), ("articles_changed", "updated"),
                    ("articles_unchanged", "unchanged"))


class ArchiveCollector(Collector):
    """Metric families of one ``query.stats`` result."""

    def __init__(self, stats: dict[str, Any]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self.stats
        yield GaugeMetricFamily(f"{PREFIX}_articles", "Articles in the archive (every status).",
                                value=stats["articles"])
        by_status = GaugeMetricFamily(f"{PREFIX}_articles_by_status",
                                      "Articles in the archive by parse status.",
                                      labels=["status"])
        for status, count in sorted(stats["by_status"].items()):
            by_status.add_metric([str(status)], count)
        yield by_status
        by_channel = GaugeMetricFamily(f"{PREFIX}_channel_articles",
                                       "Articles in the archive by site and channel.",
                                       labels=["site", "channel"])
        for row in stats["by_channel"]:
            by_channel.add_metric([row["site"] or "", row["channel"] or ""], row["articles"])
        yield by_channel
        runs = CounterMetricFamily(f"{PREFIX}_runs", "Crawl runs by outcome.", labels=["outcome"])
        # Known outcomes at 0 too: increase() over a series needs it to exist before the first.
        for outcome, count in sorted({**dict.fromkeys(OUTCOMES, 0),
                                      **stats["runs_by_outcome"]}.items()):
            runs.add_metric([outcome], count)
        yield runs
        if stats.get("last_run"):
            yield from last_run_metrics(stats["last_run"])


def last_run_metrics(run: dict[str, Any]) -> Iterator[Metric]:
    """Families describing the last finished crawl run."""
    name = f"{PREFIX}_last_run"
    counts = run.get("counts") or {}
    yield GaugeMetricFamily(f"{name}_start_timestamp_seconds",
                            "When the last finished crawl run started (Unix time).",
                            value=_timestamp(run["started"]))
    yield GaugeMetricFamily(f"{name}_end_timestamp_seconds",
                            "When the last finished crawl run ended (Unix time).",
                            value=_timestamp(run["finished"]))
    yield GaugeMetricFamily(f"{name}_duration_seconds", "How long the last finished run took.",
                            value=run["duration"])
    outcome = GaugeMetricFamily(f"{name}_outcome",
                                "Outcome of the last finished run: 1 for its outcome, else 0.",
                                labels=["outcome"])
    actual = run.get("outcome") or ""
    for known in dict.fromkeys((*OUTCOMES, actual)):
        if known:
            outcome.add_metric([known], 1 if known == actual else 0)
    yield outcome
    yield GaugeMetricFamily(f"{name}_pages_fetched", "Responses the last finished run received.",
                            value=counts.get("pages_fetched", 0))
    articles = GaugeMetricFamily(f"{name}_articles", "Articles the last finished run stored.",
                                 labels=["outcome"])
    for key, label in ARTICLE_OUTCOMES:
        articles.add_metric([label], counts.get(key, 0))
    yield articles
    errors = GaugeMetricFamily(f"{name}_errors", "Failed fetches of the last finished run by kind.",
                               labels=["kind"])
    for kind, count in sorted((counts.get("errors") or {}).items()):
        errors.add_metric([kind], count)
    yield errors
    yield GaugeMetricFamily(f"{name}_warc_files", "WARC files the last finished run wrote to.",
                            value=counts.get("warc_files", 0))
    yield GaugeMetricFamily(f"{name}_warc_bytes", "WARC bytes the last finished run wrote.",
                            value=counts.get("warc_bytes", 0))


def _timestamp(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def registry_of(stats: dict[str, Any]) -> CollectorRegistry:
    """A registry holding the archive's metrics and nothing else (no process metrics)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ArchiveCollector(stats))
    return registry


def prometheus_text(stats: dict[str, Any]) -> str:
    """The Prometheus text exposition format of a ``query.stats`` result."""
    return generate_latest(registry_of(stats)).decode("utf-8")


def write_prometheus_file(stats: dict[str, Any], path: str | Path) -> None:
    """Replace ``path`` atomically with the metrics (a temporary file beside it, renamed)."""
    target = Path(path)
    try:
        write_to_textfile(str(target), registry_of(stats))
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
