"""The suite's one command (`python -m bench`): the crawl benchmark, the parser, WARC and
database benchmarks of the other packages, optional memory and profile runs; one table."""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.common import OUT_DIR, REPO_DIR, Row, check_row, format_table, write_results

logger = logging.getLogger("bench")

# The other packages' benchmarks: each module has ``run(quick: bool = False) -> list[dict]``.
MODULE_BENCHES = {
    "parser": "bench.bench_parser",
    "warc": "bench.bench_warc",
    "db": "bench.bench_db",
    "reparse": "bench.bench_reparse",
    "web": "bench.bench_web",
}
PARTS = ("crawl", *MODULE_BENCHES)
LONG_PARTS = ("memory", "profile")  # only with their flag, or named in --only
QUICK_ARTICLES = 300


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: a {QUICK_ARTICLES}-article site, one run, quick module benches",
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per crawl contender (default 3)"
    )
    parser.add_argument(
        "--articles", type=int, default=None, help="articles in the crawled site (default 2000)"
    )
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS + LONG_PARTS)} "
        f"(default: {','.join(PARTS)})",
    )
    parser.add_argument(
        "--contenders",
        default="chinareport,nowarc,bare,wget",
        help="crawl contenders, of chinareport,nowarc,bare,wget",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="also measure peak RSS of chinareport crawl on 1,000 and 10,000 articles",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile one chinareport crawl of the site (py-spy or cProfile)",
    )
    parser.add_argument(
        "--no-robots",
        dest="robots",
        action="store_false",
        help="crawl with ROBOTSTXT_OBEY=False (and wget -e robots=off)",
    )
    parser.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra Scrapy setting for both Scrapy crawls",
    )
    parser.add_argument("--keep", action="store_true", help="keep the crawls' data dirs")
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT_DIR / "results.json",
        help="where the JSON results go (default bench/out/results.json)",
    )
    return parser.parse_args(argv)


def run_module(part: str, quick: bool) -> list[Row]:
    """Rows of one of the other packages' benchmark modules, or none if it is not there."""
    name = MODULE_BENCHES[part]
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            print(f"skipped {part}: {name} does not exist yet", file=sys.stderr)
            return []
        raise
    run = getattr(module, "run", None)
    if not callable(run) or "quick" not in inspect.signature(run).parameters:
        print(f"skipped {part}: {name} has no run(quick: bool = False)", file=sys.stderr)
        return []
    return [check_row(r) for r in run(quick=quick)]


def _version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "missing"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else ""
    )


def machine_meta(args: argparse.Namespace) -> dict[str, Any]:
    """Where and how the suite ran, stored next to the results."""
    import scrapy

    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv[1:],
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "nginx": _version(["nginx", "-v"]),
        "wget": _version(["wget", "--version"]),
        "commit": _version(["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"]),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the suite; print the table and write the JSON results."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS + LONG_PARTS)
    if unknown:
        print(f"unknown part(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    from bench.crawl_bench import CONTENDERS, Options, run_crawls, run_memory

    contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    if set(contenders) - set(CONTENDERS):
        print(
            f"unknown contender(s): {', '.join(set(contenders) - set(CONTENDERS))}", file=sys.stderr
        )
        return 2
    options = Options(
        articles=args.articles or (QUICK_ARTICLES if args.quick else 2000),
        runs=args.runs or (1 if args.quick else 3),
        robots=args.robots,
        settings=args.settings,
        contenders=contenders,
        keep=args.keep,
    )
    meta = machine_meta(args)
    if meta["load_average"][0] > 0.5 * (meta["cores"] or 1):
        logger.warning(
            "load average %.1f on %s cores: the crawl rows will be noisy",
            meta["load_average"][0],
            meta["cores"],
        )
    rows: list[Row] = []
    failed: list[str] = []
    steps: list[tuple[str, Any]] = []
    if "crawl" in parts:
        steps.append(("crawl", lambda: run_crawls(options)))
    if args.memory or "memory" in parts:
        sizes = (100, 1000) if args.quick else (1000, 10000)
        steps.append(("memory", lambda: run_memory(options, sizes)))
    for part in parts:
        if part in MODULE_BENCHES:
            steps.append((part, lambda part=part: (run_module(part, args.quick), {})))
    if args.profile or "profile" in parts:
        from bench.profile_crawl import profile_crawl

        steps.append(("profile", lambda: ([], profile_crawl(options))))
    for part, step in steps:
        logger.info("running the %s benchmark", part)
        try:
            part_rows, part_meta = step()
        except Exception:  # noqa: BLE001 -- one broken benchmark must not cost the others
            failed.append(part)
            print(f"the {part} benchmark failed:\n{traceback.format_exc()}", file=sys.stderr)
            continue
        rows += part_rows
        meta.update(part_meta)
    meta["failed"] = failed
    print()
    print(f"chinareport-archive benchmarks ({meta['cores']} cores, {meta['commit']})")
    print(format_table(rows))
    write_results(rows, meta, args.out)
    print(f"\nresults: {args.out}")
    return 1 if failed else 0
