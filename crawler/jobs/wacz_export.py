"""Exporting the archive, or the articles a search found, as one WACZ file.

Without a filter every closed WARC file of the data folder goes in whole. With one, only what
the matching articles need: the response (or revisit) and request records of every fetch of
each article, of its pages 2..n and of its archived images, copied byte for byte into new
WARC files (``archive.excerpt``); a revisit's original is an earlier fetch of the same URL, so
it is among them. Either way the pages list names each article once, at its latest exported
capture, with its title from the database; py-wacz (``archive.wacz``) writes the index and
datapackage.json. Nothing in the data folder changes.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.errors import ArchiveError
from archive.excerpt import RecordCopier
from archive.reader import read_at
from archive.recovery import complete_members
from archive.wacz import Page, write_wacz
from crawler.parser import parse_page
from pipelines.captures import (
    Capture,
    canonical_or_none,
    captures_in_file,
    captures_of,
)
from pipelines.query import iter_articles

logger = logging.getLogger(__name__)

_BATCH = 500  # articles whose captures are looked up together


class WaczExportError(Exception):
    """The export cannot be written (the message says why, in one line)."""


@dataclass
class WaczReport:
    """What an export found, copied and wrote."""

    articles: int = 0
    listed: int = 0  # articles in pages.jsonl
    whole_files: int = 0  # WARC files packaged whole
    records: int = 0  # records copied one by one into new WARC files
    source_files: int = 0  # WARC files those records came from
    other_pages: set[str] = field(default_factory=set)  # archived pages 2..n (URLs)
    images: set[str] = field(default_factory=set)  # archived images of the articles (URLs)
    revisits: int = 0
    wacz_bytes: int = 0
    damaged_files: list[str] = field(default_factory=list)  # not whole: copied record by record
    problems: list[str] = field(default_factory=list)


@dataclass
class _Article:
    id: int
    url: str
    title: str
    captures: list[Capture]
    needs: list[Capture]  # every record this article needs, its own fetches included


def selection_label(text: str | None, filters: dict[str, Any]) -> str:
    """The search as a command line would say it: ``厚街 --channel 乡村``."""
    words = [text.strip()] if text and text.strip() else []
    words += [f"--{name} {value}" for name, value in filters.items() if value]
    return " ".join(words)


def export_wacz(
    engine: Any,
    warc_dir: Path,
    output: Path,
    *,
    text: str | None = None,
    filters: dict[str, Any] | None = None,
    title: str | None = None,
    description: str | None = None,
) -> WaczReport:
    """Write the WACZ file ``output``; a report with ``articles == 0`` means nothing matched
    and nothing was written. Unreadable records are named in ``problems`` and left out."""
    filters = {key: value for key, value in (filters or {}).items() if value}
    label = selection_label(text, filters)
    whole = not label
    report = WaczReport()
    articles = list(_articles(engine, warc_dir, text, filters, report, copying=not whole))
    report.articles = len(articles)
    if not articles:
        return report
    if not any(a.captures for a in articles):
        raise WaczExportError(
            f"none of the {len(articles)} matching articles has an archived response "
            "in the fetches table"
        )
    title = title or _default_title(len(articles), label)
    description = description if description is not None else _default_description(label)
    try:
        with tempfile.TemporaryDirectory(dir=output.parent, prefix=".wacz-export-") as scratch:
            info = _warcinfo(engine, warc_dir, label, len(articles))
            with RecordCopier(Path(scratch), info, prefix="chinareport-export") as copier:
                if whole:
                    files = _whole_files(engine, warc_dir, copier, report)
                else:
                    _copy_needed(articles, warc_dir, copier, report)
                    files = []
            copied = copier.report
            for revisit in copied.unresolved_revisits():
                copier.note_problem(
                    f"revisit of {revisit.uri} at {revisit.date}: the response it refers to "
                    f"({revisit.refers_to[1] if revisit.refers_to else '?'}) is not in the export"
                )
            report.records = copied.records
            report.problems += copied.problems
            # Only captures a replay tool can serve go in the pages list.
            whole_names = {path.name for path in files}
            replayable = copied.replayable()
            pages = [
                page
                for page in (_page(a, whole_names, replayable) for a in articles)
                if page is not None
            ]
            report.listed = len(pages)
            warcs = [*files, *copied.files]
            if not warcs:
                where = f"in {warc_dir}" if whole else "of the matching articles"
                raise WaczExportError(f"no readable WARC record {where}: no WACZ written")
            write_wacz(warcs, pages, output, title=title, description=description)
    except ArchiveError as exc:
        raise WaczExportError(str(exc)) from exc
    except OSError as exc:
        raise WaczExportError(f"cannot write {output}: {exc.strerror or exc}") from exc
    report.wacz_bytes = output.stat().st_size
    return report


def _articles(
    engine: Any,
    warc_dir: Path,
    text: str | None,
    filters: dict[str, Any],
    report: WaczReport,
    *,
    copying: bool,
) -> Iterator[_Article]:
    batch: list[dict[str, Any]] = []
    for record in iter_articles(engine, text, full=True, **filters):
        # Only what the export needs: an export of every article must not hold every body.
        batch.append(
            {
                "id": record["id"],
                "url": record["url"],
                "canonical_url": record["canonical_url"],
                "title": record["title"] or record["url"],
                "page_count": record["page_count"],
                "images": [image.get("src") for image in record["images"] if image.get("src")],
            }
        )
        if len(batch) >= _BATCH:
            yield from _resolve(engine, warc_dir, batch, report, copying=copying)
            batch = []
    if batch:
        yield from _resolve(engine, warc_dir, batch, report, copying=copying)


def _resolve(
    engine: Any, warc_dir: Path, batch: list[dict[str, Any]], report: WaczReport, *, copying: bool
) -> list[_Article]:
    """Each article's own captures and, when records are to be copied, everything else it needs."""
    urls = [r["url"] for r in batch] + [r["canonical_url"] for r in batch]
    if copying:
        urls += [src for r in batch for src in r["images"]]
    found = captures_of(engine, urls)
    more_pages: dict[int, list[str]] = {}
    if copying:
        for record in batch:
            if record["page_count"] > 1:
                own = found.get(record["canonical_url"], [])
                more_pages[record["id"]] = _next_pages(warc_dir, own, report)
        found.update(captures_of(engine, [u for urls in more_pages.values() for u in urls]))
    articles = []
    for record in batch:
        own = found.get(record["canonical_url"], [])
        needs = list(own)
        if copying:
            for url in more_pages.get(record["id"], []):
                extra = found.get(canonical_or_none(url) or "", [])
                report.other_pages.update(c.url for c in extra[:1])
                needs += extra
            for src in record["images"]:
                image = found.get(canonical_or_none(src) or "", [])
                report.images.update(c.url for c in image[:1])
                needs += image
        articles.append(_Article(record["id"], record["url"], record["title"], own, needs))
    return articles


def _next_pages(warc_dir: Path, own: list[Capture], report: WaczReport) -> list[str]:
    """Pages 2..n of an article, found as the crawl found them: by parsing its page 1."""
    page_one = [c for c in own if c.record_type == "response" and c.status == 200]
    if not page_one:
        return []
    latest = page_one[-1]
    try:
        response = read_at(warc_dir, _locator(latest))
    except (ArchiveError, OSError) as exc:
        report.problems.append(str(exc))
        return []
    headers = {name: value for name, value in response.headers}
    return list(parse_page(response.body, response.uri, headers).next_pages)


def _locator(capture: Capture) -> dict[str, Any]:
    return {
        "filename": capture.warc_filename,
        "offset": capture.warc_offset,
        "length": capture.warc_length,
        "record_type": capture.record_type,
        "payload_digest": capture.payload_digest or "",
        "warc_date": capture.warc_date,
        "record_id": "",
    }


def _page(article: _Article, whole: set[str], copied: set[tuple[str, int]]) -> Page | None:
    """The article's pages.jsonl entry: its latest exported capture that served the page."""
    served = [
        c
        for c in article.captures
        if c.status == 200
        and (c.warc_filename in whole or (c.warc_filename, c.warc_offset) in copied)
    ]
    if not served:
        return None
    latest = served[-1]  # captures come oldest first
    return Page(id=str(article.id), url=latest.url, ts=latest.warc_date, title=article.title)


def _copy_needed(
    articles: list[_Article],
    warc_dir: Path,
    copier: RecordCopier,
    report: WaczReport,
) -> None:
    # A revisit's original is an earlier capture of the same URL, so it is among the fetches
    # taken; the copier's report confirms it from the records' own WARC-Refers-To headers.
    needed = {(c.warc_filename, c.warc_offset): c for a in articles for c in a.needs}
    report.revisits = sum(1 for c in needed.values() if c.record_type == "revisit")
    report.source_files = len({name for name, _ in needed})
    for (name, offset), capture in sorted(needed.items()):
        if not _safe_name(name):
            copier.note_problem(f"invalid WARC file name in the fetches table: {name!r}")
            continue
        copier.copy_exchange(warc_dir / name, offset, capture.warc_length)


def _whole_files(
    engine: Any, warc_dir: Path, copier: RecordCopier, report: WaczReport
) -> list[Path]:
    """The closed WARC files to package whole; a damaged one is copied record by record."""
    files = sorted(p for p in warc_dir.glob("*.warc.gz") if p.is_file())
    files += sorted(p for p in warc_dir.glob("*.warc") if p.is_file())
    whole = []
    for path in files:
        _, end = complete_members(path) if path.name.endswith(".gz") else (0, path.stat().st_size)
        if end == path.stat().st_size:
            whole.append(path)
            continue
        report.damaged_files.append(f"{path} at offset {end}")
        for capture in captures_in_file(engine, path.name):
            copier.copy_exchange(path, capture.warc_offset, capture.warc_length)
    report.whole_files = len(whole)
    report.source_files = len(report.damaged_files)
    return whole


def _safe_name(name: str) -> bool:
    return bool(name) and name == Path(name).name and name not in (".", "..")


def _warcinfo(engine: Any, warc_dir: Path, label: str, count: int) -> dict[str, str]:
    selected = f"the {count} articles matching: {label}" if label else f"all {count} articles"
    return {
        "description": (
            f"Records of {selected}, copied byte for byte from the WARC files of a "
            "chinareport archive (each fetch's response or revisit and its request; pages "
            "2..n, archived images, and the responses revisits refer to)"
        ),
        "selection": label or "(all)",
        "source-database": engine.url.render_as_string(hide_password=True),
        "source-warc-dir": str(warc_dir.resolve()),
    }


def _default_title(count: int, label: str) -> str:
    what = f"{count} article" + ("s" if count != 1 else "")
    return f"chinareport: {what}" + (f" ({label})" if label else "")


def _default_description(label: str) -> str:
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    if label:
        return f"Articles matching {label}, exported from a chinareport archive on {day}."
    return f"A whole chinareport archive, exported on {day}."
