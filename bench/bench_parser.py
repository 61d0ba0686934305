"""Benchmark: our parser against trafilatura and GNE, pages/s on one core and accuracy by our scorer.

Run: ``python bench/bench_parser.py [REALWORLD_DIR] [--rounds N]``. trafilatura and gne
are development-only dependencies; a missing one is reported and skipped.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.parser import decode_html, parse_page
from crawler.parser.evaluate import FIELDS, evaluate_cases, load_cases

Extractor = Callable[[bytes, str], dict[str, Any]]
DEFAULT_REALWORLD = Path(__file__).resolve().parents[1] / ".." / "shared" / "realworld"
HELD_OUT = Path(__file__).resolve().parents[1] / "tests" / "parser_cases"


def ours(body: bytes, url: str) -> dict[str, Any]:
    return parse_page(body, url).to_record()


def trafilatura_extractor() -> Extractor | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(body: bytes, url: str) -> dict[str, Any]:
        text, _ = decode_html(body)  # same decoding for everyone: measure extraction
        doc = trafilatura.bare_extraction(text, url=url, with_metadata=True, favor_precision=False)
        data = doc.as_dict() if hasattr(doc, "as_dict") else (doc or {})
        author = data.get("author")
        return {
            "title": data.get("title"),
            "published": data.get("date"),
            "source": data.get("sitename"),
            "authors": [a.strip() for a in author.split(";")] if author else [],
            "editors": [],
            "body": data.get("text"),
        }

    return run


def gne_extractor() -> Extractor | None:
    try:
        from gne import GeneralNewsExtractor
    except ImportError:
        return None
    extractor = GeneralNewsExtractor()

    def run(body: bytes, url: str) -> dict[str, Any]:
        text, _ = decode_html(body)
        try:
            data = extractor.extract(text)
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a miss, not a crash
            logging.getLogger(__name__).debug("gne failed: %s", exc)
            data = {}
        return {
            "title": data.get("title"),
            "published": data.get("publish_time"),
            "source": None,
            "authors": [data["author"]] if data.get("author") else [],
            "editors": [],
            "body": data.get("content"),
        }

    return run


def pages_per_second(extractor: Extractor, pages: list[tuple[bytes, str]], rounds: int) -> float:
    """Best of ``rounds`` passes over the pages (one core, this process)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for body, url in pages:
            extractor(body, url)
        best = min(best, time.perf_counter() - start)
    return len(pages) / best if best > 0 else float("inf")


def sample_site_pages() -> list[tuple[bytes, str]]:
    from crawler.sample_site import build_site

    site = build_site()
    return [(site.pages[path].body, site.base_url + path) for path in site.truth]


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Rows for the suite's table: pages/s of each extractor, ours / fastest peer, accuracy."""
    from bench.common import row

    rounds = 1 if quick else 3
    extractors = {"ours": ours, "trafilatura": trafilatura_extractor(), "gne": gne_extractor()}
    cases = load_cases(str(DEFAULT_REALWORLD)) if Path(DEFAULT_REALWORLD).is_dir() else []
    realworld = [
        (body, label.get("url") or f"http://unknown.invalid/{name}.html")
        for name, body, label in cases
    ]
    sample = sample_site_pages()
    rows: list[dict[str, Any]] = []
    speeds: dict[str, list[float]] = {}
    for name, extractor in extractors.items():
        if extractor is None:
            continue
        sample_runs = [pages_per_second(extractor, sample, 1) for _ in range(rounds)]
        target = ">= 500 pages/s" if name == "ours" else None
        rows.append(row(f"parser: {name}", "sample-site pages/s, 1 core", sample_runs, "pages/s",
                        target=target,
                        passed=min(sample_runs) >= 500 if name == "ours" else None))
        if realworld:
            speeds[name] = [pages_per_second(extractor, realworld, 1) for _ in range(rounds)]
            rows.append(row(f"parser: {name}", "realworld pages/s, 1 core", speeds[name],
                            "pages/s"))
            report = evaluate_cases(cases, extractor)
            worst = min(report.accuracy(f) for f in FIELDS)
            rows.append(row(f"parser: {name}", "realworld accuracy, worst field", [worst * 100],
                            "%"))
    peers = [speeds[p] for p in ("trafilatura", "gne") if p in speeds]
    if "ours" in speeds and peers:
        best = [max(values) for values in zip(*peers, strict=True)]
        ratio = [o / b for o, b in zip(speeds["ours"], best, strict=True)]
        rows.append(row("parser: ours / fastest peer", "realworld pages/s", ratio, "x",
                        target=">= 3", passed=min(ratio) >= 3))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("realworld", nargs="?", default=str(DEFAULT_REALWORLD))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    extractors: dict[str, Extractor | None] = {
        "ours": ours,
        "trafilatura": trafilatura_extractor(),
        "gne": gne_extractor(),
    }
    cases = load_cases(args.realworld) if Path(args.realworld).is_dir() else []
    realworld = [
        (body, label.get("url") or f"http://unknown.invalid/{name}.html")
        for name, body, label in cases
    ]
    sample = sample_site_pages()
    size = sum(len(b) for b, _ in sample) / max(1, len(sample))
    print(
        f"realworld: {len(realworld)} pages; sample site: {len(sample)} article pages, {size / 1024:.1f} KB average"
    )
    header = f"{'extractor':<12} {'rw pages/s':>10} {'sample pages/s':>15} " + " ".join(
        f"{f:>9}" for f in FIELDS
    )
    print(header)
    print("-" * len(header))
    speeds: dict[str, float] = {}
    for name, extractor in extractors.items():
        if extractor is None:
            print(f"{name:<12} not installed")
            continue
        rw_speed = pages_per_second(extractor, realworld, args.rounds) if realworld else 0.0
        sample_speed = pages_per_second(extractor, sample, args.rounds)
        speeds[name] = rw_speed
        report = evaluate_cases(cases, extractor) if cases else None
        scores = " ".join(f"{report.accuracy(f):>9.0%}" if report else f"{'-':>9}" for f in FIELDS)
        print(f"{name:<12} {rw_speed:>10.1f} {sample_speed:>15.1f} {scores}")
    held_out = load_cases(HELD_OUT) if HELD_OUT.is_dir() else []
    if held_out:
        print(f"\naccuracy on the {len(held_out)} hand-written held-out pages (tests/parser_cases):")
        print(f"{'extractor':<12} " + " ".join(f"{f:>9}" for f in FIELDS))
        for name, extractor in extractors.items():
            if extractor is not None:
                report = evaluate_cases(held_out, extractor)
                print(f"{name:<12} " + " ".join(f"{report.accuracy(f):>9.0%}" for f in FIELDS))
    peers = [speeds[n] for n in ("trafilatura", "gne") if n in speeds]
    if peers and speeds.get("ours"):
        print(f"ours / fastest peer on realworld: {speeds['ours'] / max(peers):.1f}x")


if __name__ == "__main__":
    main()
