"""Shared pieces of the benchmark suite: result rows, their summary statistics, the table
printer and the JSON output. Every benchmark module returns rows built by `row()`."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"

Row = dict[str, Any]
ROW_KEYS = ("name", "metric", "median", "min", "max", "runs", "unit")


def row(
    name: str,
    metric: str,
    samples: Sequence[float],
    unit: str = "",
    target: str | None = None,
    passed: bool | None = None,
) -> Row:
    """A result row from the samples of several runs: median, min, max and run count."""
    values = [float(s) for s in samples]
    result: Row = {
        "name": name,
        "metric": metric,
        "median": statistics.median(values) if values else None,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
        "runs": len(values),
        "unit": unit,
    }
    if target is not None:
        result["target"] = target
    if passed is not None:
        result["passed"] = passed
    return result


def check_row(candidate: Any) -> Row:
    """A row returned by another benchmark module, with its required keys checked."""
    if not isinstance(candidate, dict):
        raise TypeError(f"a row must be a dict, not {type(candidate).__name__}")
    missing = [k for k in ROW_KEYS if k not in candidate]
    if missing:
        raise TypeError(f"row {candidate.get('name')!r} lacks {', '.join(missing)}")
    return candidate


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _target_text(r: Row) -> str:
    target = r.get("target")
    if not target:
        return ""
    mark = {True: "ok", False: "MISSED"}.get(r.get("passed"), "")  # type: ignore[arg-type]
    return f"{target} {mark}".strip()


def format_table(rows: Iterable[Row]) -> str:
    """The rows as one plain-text table: name, metric, median, min-max, runs, target."""
    header = ("name", "metric", "median", "min–max", "runs", "target")
    lines: list[tuple[str, ...]] = [header]
    for r in rows:
        unit = f" {r['unit']}" if r.get("unit") else ""
        lines.append(
            (
                str(r["name"]),
                str(r["metric"]),
                _number(r["median"]) + unit,
                f"{_number(r['min'])}–{_number(r['max'])}",
                str(r["runs"]),
                _target_text(r),
            )
        )
    widths = [max(_width(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(line)]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def write_results(rows: list[Row], meta: dict[str, Any], path: Path) -> None:
    """Write the rows and the run's context (machine, arguments) as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"meta": meta, "rows": rows}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
