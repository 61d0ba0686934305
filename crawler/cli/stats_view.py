"""`chinareport stats` for a person: counts in tables, each crawl run a row with its log file."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from crawler.cli.tables import Column, print_line, print_table
from crawler.jobs.paths import Paths
from crawler.jobs.run_log import find_run_log

RUN_COLUMNS = (
    Column("run", justify="right"),
    Column("started", from_width=100),
    Column("pages", justify="right"),
    Column("new", justify="right"),
    Column("updated", justify="right"),
    Column("errors", justify="right"),
    Column("took", justify="right"),
    Column("outcome", max_width=11),
    Column("log", header="log file"),
)


def took(seconds: float) -> str:
    """A duration as ``42s``, ``12m`` or ``3h05``."""
    if seconds < 100:
        return f"{seconds:.0f}s"
    if seconds < 6000:
        return f"{seconds / 60:.0f}m"
    hours, rest = divmod(int(seconds) // 60, 60)
    return f"{hours}h{rest:02d}"


def run_row(run: dict[str, Any], paths: Paths) -> dict[str, Any]:
    """One crawl run as a table row: counts as columns, its log file if it is here."""
    counts = run.get("counts") or {}
    started = datetime.fromisoformat(run["started"])
    finished = datetime.fromisoformat(run["finished"]) if run.get("finished") else None
    errors = counts.get("errors")
    log = find_run_log(paths.log_dir, run["id"], started)
    return {
        "run": run["id"],
        "started": f"{started.astimezone():%Y-%m-%d %H:%M}",
        "pages": counts.get("pages_fetched", ""),
        "new": counts.get("articles_new", ""),
        "updated": counts.get("articles_changed", ""),
        "errors": sum(errors.values()) if isinstance(errors, dict) else "",
        "took": took((finished - started).total_seconds()) if finished else "",
        "outcome": run.get("outcome") or "running",
        "log": log.name if log is not None else "-",
    }


def print_stats(result: dict[str, Any], paths: Paths, *, out: IO[str] | None = None,
                width: int | None = None) -> None:
    """The text form of `chinareport stats`."""
    status = ", ".join(f"{k} {v}" for k, v in sorted(result["by_status"].items())) or "none"
    print_line(f"articles: {result['articles']} ({status}); fetches: {result['fetches']}", out)
    count = Column("articles", justify="right")
    errors = [{"kind": k, "fetches": v} for k, v in result["fetch_errors"].items()]
    errors += [{"kind": f"HTTP {k}", "fetches": v} for k, v in result["http_errors"].items()]
    runs = [run_row(r, paths) for r in result["runs"]]
    for title, rows, columns in (
        ("articles by channel", result["by_channel"], ("site", "channel", count)),
        ("articles by source", result["by_source"], ("source", count)),
        ("fetch errors", errors, ("kind", Column("fetches", justify="right"))),
        (f"crawl runs, latest first (log files in {paths.log_dir})", runs, RUN_COLUMNS),
    ):
        if rows:
            print_line("", out)
            print_table(rows, columns, out=out, width=width, title=title)
