"""Profile one `chinareport crawl` of the benchmark site with py-spy (sampling, all threads
and subprocesses; cProfile of the main thread when py-spy cannot attach) and summarise it."""

from __future__ import annotations

import logging
import pstats
import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import cast

from bench.common import REPO_DIR
from bench.crawl_bench import CONTENDERS, Options
from bench.measure import run_measured
from bench.nginx import Nginx
from bench.site import write_site

logger = logging.getLogger(__name__)

TOP = 25
RATE = 200  # py-spy samples per second
_LINE = re.compile(r":\d+\)$")
# Where a sampled frame's file lives decides the area it is charged to, first match wins.
AREAS = (
    ("crawler/parser/", "our parser"),
    ("crawler/extensions/warc_capture", "WARC capture"),
    ("archive/", "WARC writing (archive/)"),
    ("pipelines/", "store (pipelines/)"),
    ("crawler/", "crawler glue"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("warcio/", "warcio"),
    ("lxml/", "lxml"),
    ("bs4/", "BeautifulSoup"),
    ("scrapy/", "Scrapy"),
    ("twisted/", "Twisted"),
    ("parsel/", "parsel"),
    ("charset_normalizer/", "charset_normalizer"),
    ("logging/", "logging"),
    ("asyncio/", "asyncio"),
    ("importlib", "imports (start-up)"),
    ("w3lib/", "w3lib"),
    ("sqlite3/", "sqlite3"),
    ("gzip", "gzip/zlib"),
    ("zlib", "gzip/zlib"),
)


# Threads blocked on a queue or lock that py-spy still samples: waiting, not working.
IDLE_LEAVES = ("Condition.wait (", "Event.wait (", "Queue.get (", "Semaphore.acquire (")
# Frames of our own code worth an inclusive figure (the CLI and runner wrap everything).
OWN_CODE = ("(crawler/", "(archive/", "(pipelines/")
WRAPPERS = ("crawler/cli/", "crawler/jobs/runner.py", "crawler/__main__.py")


def _own(frame: str) -> bool:
    return any(m in frame for m in OWN_CODE) and not any(w in frame for w in WRAPPERS)


def _area(frame: str) -> str | None:
    if any(w in frame for w in WRAPPERS):
        return None
    return next((name for marker, name in AREAS if marker in frame), None)


def _thread_name(frames: list[str]) -> str:
    """Which thread a stack ran on, by its entry point (needs ``py-spy --threads``)."""
    for n, frame in enumerate(frames):
        if frame.startswith("Thread.run (") and n + 1 < len(frames):
            return frames[n + 1]
    return "main thread" if any(f.startswith("thread (") for f in frames) else "unknown"


def summarise_collapsed(path: Path, top: int = TOP) -> dict[str, object]:
    """Self shares by function, inclusive shares of our functions and of areas (packages)."""
    self_samples: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = waiting = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        # "func (file.py:123)" -> "func (file.py)": one entry per function, not per line.
        frames = [_LINE.sub(")", f) for f in stack.split(";")]
        if frames[-1].startswith(IDLE_LEAVES):
            waiting += count
            continue
        total += count
        threads[_thread_name(frames)] += count
        self_samples[frames[-1]] += count
        for frame in {f for f in frames if _own(f)}:
            inclusive[frame] += count
        # An area's share: samples with that area anywhere on the stack, counted once.
        for area in {a for a in map(_area, frames) if a}:
            areas[area] += count

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / max(total, 1), 1)) for name, n in counter.most_common(top)]

    return {
        "samples": total,
        "waiting_excluded": waiting,
        "self": shares(self_samples),
        "inclusive": shares(inclusive),
        "areas": shares(areas),
        "thread_samples": dict(threads.most_common(top)),
    }


def summarise_cprofile(path: Path, top: int = TOP) -> dict[str, object]:
    """Self and cumulative time shares by function from a cProfile dump."""
    stats = pstats.Stats(str(path))
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    rows = stats.stats  # type: ignore[attr-defined]

    def name(func: tuple[str, int, str]) -> str:
        return f"{func[2]} ({func[0]}:{func[1]})"

    by_self = sorted(rows.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    by_cum = sorted(rows.items(), key=lambda kv: kv[1][3], reverse=True)[:top]
    return {
        "samples": None,
        "self": [(name(f), round(100 * v[2] / total, 1)) for f, v in by_self],
        "inclusive": [(name(f), round(100 * v[3] / total, 1)) for f, v in by_cum],
    }


def _print_summary(summary: dict[str, object], tool: str) -> None:
    print(
        f"\nprofile of one chinareport crawl ({tool}, {summary.get('samples')} samples "
        f"+ {summary.get('waiting_excluded')} waiting on a queue or lock, left out, "
        f"{summary['pages']} pages in {summary['fetch_span_s']} s under the profiler)"
    )
    for name, cores in cast("list[tuple[str, float]]", summary.get("thread_cores") or []):
        print(f"  thread {name}: {cores:.2f} of a core busy")
    for title, key in (
        ("by area (inclusive)", "areas"),
        ("by function, self", "self"),
        ("our functions, inclusive", "inclusive"),
    ):
        entries = cast("list[tuple[str, float]]", summary.get(key) or [])
        if not entries:
            continue
        print(f"  {title}:")
        for frame, share in entries:
            print(f"    {share:5.1f}%  {frame}")


def profile_crawl(options: Options) -> dict[str, object]:
    """Crawl the site once under a profiler; print and return the summary."""
    out = options.out_dir / "profile"
    out.mkdir(parents=True, exist_ok=True)
    site_dir = options.out_dir / f"site-{options.articles}"
    run_dir = options.out_dir / "runs" / "profile"
    shutil.rmtree(run_dir, ignore_errors=True)  # a fresh data dir, as the crawl benchmark uses
    with Nginx(site_dir, options.out_dir / "nginx") as server:
        write_site(options.articles, site_dir, server.url)
        crawl = CONTENDERS["chinareport"].argv(server.url, run_dir, options)
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        summary: dict[str, object] | None = None
        offset = server.log_offset()
        if Path(py_spy).exists():
            collapsed = out / "crawl.collapsed.txt"
            argv = [
                py_spy,
                "record",
                "--subprocesses",
                "--threads",
                "--rate",
                str(RATE),
                "--format",
                "raw",
                "--output",
                str(collapsed),
                "--",
                *crawl,
            ]
            result = run_measured(argv, out / "py-spy.log", cwd=REPO_DIR)
            if result.returncode == 0 and collapsed.exists():
                summary, tool = summarise_collapsed(collapsed), "py-spy"
                # Busy share of one core per thread: is the reactor thread the bottleneck?
                summary["thread_cores"] = [
                    (name, round(n / (RATE * result.wall), 2))
                    for name, n in cast("dict[str, int]", summary["thread_samples"]).items()
                ]
                logger.info("collapsed stacks: %s", collapsed)
            else:
                logger.warning(
                    "py-spy failed (see %s); falling back to cProfile", out / "py-spy.log"
                )
        if summary is None:
            dump = out / "crawl.prof"
            shutil.rmtree(run_dir, ignore_errors=True)
            argv = [sys.executable, "-m", "cProfile", "-o", str(dump), *crawl[1:]]
            run_measured(argv, out / "cprofile.log", cwd=REPO_DIR)
            summary, tool = summarise_cprofile(dump), "cProfile, main thread only"
        counts = server.counts_since(offset)
    summary["pages"] = counts.pages
    summary["fetch_span_s"] = round(counts.span, 2)
    shutil.rmtree(run_dir, ignore_errors=True)
    _print_summary(summary, tool)
    return {"profile": {"tool": tool, **summary}}
