"""The crawl benchmark: `chinareport crawl` (with and without WARC), a bare Scrapy spider and
wget over the same nginx-served site, alternating run by run; and the memory-growth runs."""

from __future__ import annotations

import logging
import shutil
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import OUT_DIR, REPO_DIR, Row, row
from bench.measure import Measurement, run_measured
from bench.nginx import Nginx, RequestCounts, apt_install
from bench.site import page_stats, write_site

logger = logging.getLogger(__name__)

WGET_REJECT = "png,jpg,jpeg,gif,webp,svg,ico,css,js,pdf,xml,txt"
WGET_OK_CODES = {0, 8}  # 8: the server answered some request with an error (the site's 404)
RSS_TARGET_MB = 300


@dataclass
class Options:
    """What the crawl benchmark runs and how."""

    articles: int = 2000
    runs: int = 3
    robots: bool = True
    settings: list[str] = field(default_factory=list)  # extra -s NAME=VALUE for both Scrapy crawls
    contenders: Sequence[str] = ("chinareport", "nowarc", "bare", "wget")
    keep: bool = False
    out_dir: Path = OUT_DIR


@dataclass(frozen=True)
class Contender:
    """One way of crawling the site, and how to build its command line."""

    key: str
    label: str
    argv: Callable[[str, Path, Options], list[str]]
    ok_codes: frozenset[int] = frozenset({0})


@dataclass
class RunResult:
    """One run of one contender."""

    key: str
    measurement: Measurement
    counts: RequestCounts
    disk_bytes: int

    @property
    def pages_per_s(self) -> float:
        return self.counts.pages / self.measurement.wall

    @property
    def span_pages_per_s(self) -> float:
        return self.counts.pages / self.counts.span

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.measurement.cpu / max(self.counts.pages, 1)


def scrapy_settings(options: Options) -> list[str]:
    """The -s arguments both Scrapy crawls get."""
    pairs = ["AUTOTHROTTLE_ENABLED=False", f"ROBOTSTXT_OBEY={options.robots}", *options.settings]
    return [arg for pair in pairs for arg in ("-s", pair)]


def _chinareport(extra: list[str]) -> Callable[[str, Path, Options], list[str]]:
    def argv(url: str, run_dir: Path, options: Options) -> list[str]:
        return [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            url,
            "--data-dir",
            str(run_dir),
            "--log-level",
            "WARNING",
            *scrapy_settings(options),
            *extra,
        ]

    return argv


def _bare(url: str, run_dir: Path, options: Options) -> list[str]:
    return [sys.executable, "-m", "bench.bare_spider", url, *scrapy_settings(options)]


def _wget(url: str, run_dir: Path, options: Options) -> list[str]:
    wget = shutil.which("wget") or "wget"
    return [
        wget,
        "--recursive",
        "--level=inf",
        "--no-verbose",
        f"--reject={WGET_REJECT}",
        "-e",
        f"robots={'on' if options.robots else 'off'}",
        f"--warc-file={run_dir / 'wget'}",
        f"--warc-tempdir={run_dir}",
        f"--directory-prefix={run_dir / 'files'}",
        url,
    ]


CONTENDERS = {
    c.key: c
    for c in (
        Contender("chinareport", "chinareport crawl", _chinareport([])),
        Contender(
            "nowarc", "chinareport crawl, no WARC", _chinareport(["-s", "WARC_ENABLED=False"])
        ),
        Contender("bare", "bare Scrapy spider", _bare),
        Contender("wget", "wget --warc-file", _wget, frozenset(WGET_OK_CODES)),
    )
}


def _disk_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def run_once(
    contender: Contender, server: Nginx, run_dir: Path, log_path: Path, options: Options
) -> RunResult | None:
    """Crawl the served site once with ``contender`` into a fresh ``run_dir``."""
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    offset = server.log_offset()
    measurement = run_measured(contender.argv(server.url, run_dir, options), log_path, cwd=REPO_DIR)
    counts = server.counts_since(offset)
    disk = _disk_bytes(run_dir)
    if not options.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    if measurement.returncode not in contender.ok_codes:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
        logger.error(
            "%s exited with %d (log: %s)\n  %s",
            contender.label,
            measurement.returncode,
            log_path,
            "\n  ".join(tail),
        )
        return None
    return RunResult(contender.key, measurement, counts, disk)


def ensure_wget() -> None:
    """Install Debian's wget when it is missing."""
    if shutil.which("wget") is None:
        apt_install("wget")


def run_crawls(options: Options) -> tuple[list[Row], dict[str, object]]:
    """Serve the site and run every contender ``options.runs`` times, alternating the order."""
    contenders = [CONTENDERS[k] for k in options.contenders]
    if any(c.key == "wget" for c in contenders):
        ensure_wget()
    site_dir = options.out_dir / f"site-{options.articles}"
    results: dict[str, list[RunResult]] = {c.key: [] for c in contenders}
    with Nginx(site_dir, options.out_dir / "nginx") as server:
        write_site(options.articles, site_dir, server.url)
        stats = page_stats(site_dir)
        logger.info(
            "site: %d articles, %d pages, %.1f KB mean, %.0f%% GBK, at %s",
            options.articles,
            stats["pages"],
            stats["mean_kb"],
            100 * stats["gbk_share"],
            server.url,
        )
        for n in range(options.runs):
            shift = n % len(contenders)
            for contender in contenders[shift:] + contenders[:shift]:
                run_dir = options.out_dir / "runs" / f"{contender.key}-{n + 1}"
                log_path = options.out_dir / "logs" / f"{contender.key}-{n + 1}.log"
                result = run_once(contender, server, run_dir, log_path, options)
                if result is None:
                    continue
                results[contender.key].append(result)
                _check_complete(contender, result, stats["pages"])
                logger.info(
                    "run %d %-28s %6.1f pages/s  %5.2f ms CPU/page  %4.0f MB  %d pages",
                    n + 1,
                    contender.label,
                    result.pages_per_s,
                    result.cpu_ms_per_page,
                    result.measurement.peak_rss_mb,
                    result.counts.pages,
                )
    meta = {
        "site": {"articles": options.articles, **stats},
        "crawl_runs": {key: [_run_json(r) for r in runs] for key, runs in results.items()},
    }
    return crawl_rows(results), meta


def _check_complete(contender: Contender, result: RunResult, site_pages: float) -> None:
    if result.counts.pages < 0.9 * site_pages:
        logger.warning(
            "%s fetched only %d of the site's %d pages: its rate is not comparable",
            contender.label,
            result.counts.pages,
            site_pages,
        )


def _run_json(result: RunResult) -> dict[str, float]:
    m = result.measurement
    return {
        "wall_s": round(m.wall, 3),
        "cpu_s": round(m.cpu, 3),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "pages": result.counts.pages,
        "responses": result.counts.responses,
        "fetch_span_s": round(result.counts.span, 3),
        "disk_bytes": result.disk_bytes,
    }


def crawl_rows(results: dict[str, list[RunResult]]) -> list[Row]:
    """The table rows: per contender rate, CPU, memory; then the ratios with their targets."""
    rows: list[Row] = []
    for key, runs in results.items():
        if not runs:
            continue
        name = f"crawl: {CONTENDERS[key].label}"
        rows.append(row(name, "pages/s", [r.pages_per_s for r in runs], "pages/s"))
        rows.append(
            row(name, "pages/s first-last request", [r.span_pages_per_s for r in runs], "pages/s")
        )
        rows.append(row(name, "CPU per page", [r.cpu_ms_per_page for r in runs], "ms"))
        rss = [r.measurement.peak_rss_mb for r in runs]
        if key == "chinareport":
            rows.append(
                row(
                    name,
                    "peak RSS",
                    rss,
                    "MB",
                    f"< {RSS_TARGET_MB} MB",
                    statistics.median(rss) < RSS_TARGET_MB,
                )
            )
        else:
            rows.append(row(name, "peak RSS", rss, "MB"))
        rows.append(row(name, "pages fetched", [r.counts.pages for r in runs]))
    rows += _ratio_rows(results)
    return rows


def _paired(results: dict[str, list[RunResult]], a: str, b: str) -> list[float]:
    # Runs alternate, so run n of one contender is paired with run n of the other.
    return [
        x.pages_per_s / y.pages_per_s
        for x, y in zip(results.get(a, []), results.get(b, []))
        if y.pages_per_s
    ]


def _ratio_rows(results: dict[str, list[RunResult]]) -> list[Row]:
    rows: list[Row] = []
    for other, label, target in (("bare", "bare Scrapy", 0.90), ("wget", "wget", 1.0)):
        ratios = _paired(results, "chinareport", other)
        if ratios:
            rows.append(
                row(
                    f"ratio: chinareport / {label}",
                    "pages/s",
                    ratios,
                    "x",
                    f">= {target:.2f}",
                    statistics.median(ratios) >= target,
                )
            )
    with_warc = _paired(results, "chinareport", "nowarc")
    if with_warc:
        cost = [100 * (1 - r) for r in with_warc]
        rows.append(
            row(
                "WARC cost on crawl throughput",
                "1 - with/without",
                cost,
                "%",
                "< 10 %",
                statistics.median(cost) < 10,
            )
        )
    return rows


def run_memory(options: Options, sizes: Sequence[int] = (1000, 10000)) -> tuple[list[Row], dict]:
    """Peak RSS of `chinareport crawl` over sites of ``sizes`` articles (issue 6: flat memory)."""
    contender = CONTENDERS["chinareport"]
    peaks: dict[int, list[float]] = {}
    runs_json: dict[str, list[dict[str, float]]] = {}
    for size in sizes:
        site_dir = options.out_dir / f"site-{size}"
        with Nginx(site_dir, options.out_dir / "nginx") as server:
            write_site(size, site_dir, server.url)
            for n in range(max(1, options.runs if size <= 2000 else 1)):
                run_dir = options.out_dir / "runs" / f"memory-{size}-{n + 1}"
                log_path = options.out_dir / "logs" / f"memory-{size}-{n + 1}.log"
                result = run_once(contender, server, run_dir, log_path, options)
                if result is None:
                    continue
                logger.info(
                    "memory %d articles: %.0f MB peak, %d pages, %.1f pages/s",
                    size,
                    result.measurement.peak_rss_mb,
                    result.counts.pages,
                    result.pages_per_s,
                )
                peaks.setdefault(size, []).append(result.measurement.peak_rss_mb)
                runs_json.setdefault(str(size), []).append(_run_json(result))
        if not options.keep:
            shutil.rmtree(site_dir, ignore_errors=True)
    rows = [
        row(f"memory: chinareport crawl, {size:,} articles", "peak RSS", values, "MB")
        for size, values in peaks.items()
    ]
    small, large = min(sizes), max(sizes)
    if small in peaks and large in peaks:
        growth = statistics.median(peaks[large]) / statistics.median(peaks[small])
        rows.append(
            row(
                f"memory growth, {large // small}x the articles",
                "peak RSS ratio",
                [growth],
                "x",
                "< 1.5 x",
                growth < 1.5,
            )
        )
    return rows, {"memory_runs": runs_json}
