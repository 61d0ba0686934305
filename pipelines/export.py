"""Exporting article records to files: JSON lines, CSV, Parquet (pyarrow, optional)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipelines.errors import StoreError
from pipelines.records import HASHED_KEYS

EXPORT_FORMATS = ("jsonl", "csv", "parquet")
# The record keys of DESIGN.md, with the database id and the partial records' `missing`.
COLUMNS = ("id", "url", *HASHED_KEYS, "parser_version")
_LIST_COLUMNS = ("authors", "editors", "images", "missing")
PARQUET_BATCH = 2000


def export_records(records: Iterable[dict[str, Any]], path: str | Path, fmt: str) -> int:
    """Write records to ``path`` in ``fmt``; returns how many were written."""
    if fmt not in EXPORT_FORMATS:
        raise StoreError(
            f"unknown export format {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}"
        )
    target = Path(path)
    if fmt == "parquet":
        return _parquet(records, target)  # checks pyarrow before touching the file
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as out:
            return _jsonl(records, out) if fmt == "jsonl" else _csv(records, out)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc


def _jsonl(records: Iterable[dict[str, Any]], out: Any) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _csv(records: Iterable[dict[str, Any]], out: Any) -> int:
    # Lists go in as JSON so a CSV round-trips; a BOM-less UTF-8 file with a header row.
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for record in records:
        row = dict(record)
        for key in _LIST_COLUMNS:
            row[key] = json.dumps(row.get(key) or [], ensure_ascii=False)
        writer.writerow(row)
        count += 1
    return count


def _parquet(records: Iterable[dict[str, Any]], target: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise StoreError(
            "Parquet export needs pyarrow: pip install 'chinareport-archive[parquet]'"
        ) from exc
    strings = pa.list_(pa.string())
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("url", pa.string()),
            ("title", pa.string()),
            ("published", pa.string()),
            ("source", pa.string()),
            ("authors", strings),
            ("editors", strings),
            ("channel", pa.string()),
            ("body", pa.string()),
            ("images", pa.list_(pa.struct([("src", pa.string()), ("caption", pa.string())]))),
            ("status", pa.string()),
            ("missing", strings),
            ("parser_version", pa.string()),
        ]
    )
    count = 0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(str(target), schema) as writer:
            batch: list[dict[str, Any]] = []
            for record in records:
                batch.append({key: record.get(key) for key in COLUMNS})
                if len(batch) >= PARQUET_BATCH:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    count += len(batch)
                    batch = []
            if batch or count == 0:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc}") from exc
    return count
