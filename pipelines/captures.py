"""Where an article's archived fetches are: the WARC locators of the fetches table, by URL.

The WACZ export asks here which records hold the articles a search found: every fetch of each
URL an article needs (its pages, its images).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine, Row

from pipelines.canonical import canonical_url
from pipelines.db import read_transaction
from pipelines.errors import InvalidURL
from pipelines.models import Fetch

_BATCH = 500  # URLs per IN (...) list, well under every database's parameter limit


@dataclass(frozen=True)
class Capture:
    """One archived fetch: where its response (or revisit) record is, and what it was."""

    fetch_id: int
    url: str
    canonical_url: str
    status: int | None
    warc_filename: str
    warc_offset: int
    warc_length: int
    record_type: str
    warc_date: str
    payload_digest: str | None


_COLUMNS = (
    Fetch.id,
    Fetch.url,
    Fetch.canonical_url,
    Fetch.status,
    Fetch.warc_filename,
    Fetch.warc_offset,
    Fetch.warc_length,
    Fetch.warc_record_type,
    Fetch.warc_date,
    Fetch.payload_digest,
)


def _capture(row: Row[Any]) -> Capture:
    return Capture(
        fetch_id=row.id,
        url=row.url,
        canonical_url=row.canonical_url,
        status=row.status,
        warc_filename=row.warc_filename,
        warc_offset=int(row.warc_offset),
        warc_length=int(row.warc_length),
        record_type=row.warc_record_type or "response",
        warc_date=row.warc_date or "",
        payload_digest=row.payload_digest,
    )


def _archived() -> Any:
    return select(*_COLUMNS).where(
        Fetch.warc_filename.is_not(None),
        Fetch.warc_offset.is_not(None),
        Fetch.warc_length.is_not(None),
    )


def canonical_or_none(url: str) -> str | None:
    """The canonical form of a URL, or None for a string that is not one."""
    try:
        return canonical_url(url)
    except InvalidURL:
        return None


def captures_of(engine: Engine, urls: Iterable[str]) -> dict[str, list[Capture]]:
    """Every archived fetch of these URLs, by canonical URL, oldest first."""
    keys = sorted({key for key in map(canonical_or_none, urls) if key})
    found: dict[str, list[Capture]] = defaultdict(list)
    with read_transaction(engine) as conn:
        for start in range(0, len(keys), _BATCH):
            rows = conn.execute(
                _archived()
                .where(Fetch.canonical_url.in_(keys[start : start + _BATCH]))
                .order_by(Fetch.fetched_at, Fetch.id)
            )
            for row in rows:
                found[row.canonical_url].append(_capture(row))
    return dict(found)


def captures_in_file(engine: Engine, filename: str) -> list[Capture]:
    """Every archived fetch whose record lies in one WARC file, in file order."""
    with read_transaction(engine) as conn:
        rows = conn.execute(
            _archived().where(Fetch.warc_filename == filename).order_by(Fetch.warc_offset)
        )
        return [_capture(row) for row in rows]
