"""Score the parser on a folder of ``NNN.html`` + ``NNN.json`` labelled pages (the realworld format)."""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .page import parse_page
from .record import Article

logger = logging.getLogger(__name__)

FIELDS = ("title", "published", "source", "authors", "editors", "body")
BODY_SLACK_CHARS = 100

Extractor = Callable[[bytes, str], dict[str, Any]]


def squash(text: str | None) -> str:
    """NFKC text with all white space removed (the README's comparison rule)."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _names(values: Any) -> set[str]:
    if values is None:
        return set()
    if isinstance(values, str):
        values = values.replace("、", " ").replace(",", " ").split()
    return {squash(v) for v in values if squash(v)}


def published_matches(found: str | None, expected: str | None) -> bool:
    """An ISO value matches when, without its offset, it starts with the label."""
    if not expected:
        return not found
    if not found:
        return False
    want = squash(expected).replace("T", "")
    got = squash(found).replace("T", "")
    return got.startswith(want)


def body_matches(found: str | None, first: str | None, last: str | None) -> bool:
    """The body holds the first and last 30 characters with little else outside them."""
    if not first and not last:
        return not found
    text = squash(found)
    first, last = squash(first), squash(last)
    start = text.find(first)
    end = text.rfind(last)
    if start < 0 or end < 0:
        return False
    return start <= BODY_SLACK_CHARS and len(text) - (end + len(last)) <= BODY_SLACK_CHARS


def score_record(record: dict[str, Any], truth: dict[str, Any]) -> dict[str, bool]:
    """Per-field match of one record against its labels."""
    return {
        "title": squash(record.get("title")) == squash(truth.get("title")),
        "published": published_matches(record.get("published"), truth.get("published")),
        "source": squash(record.get("source")) == squash(truth.get("source")),
        "authors": _names(record.get("authors")) == _names(truth.get("author")),
        "editors": _names(record.get("editors")) == _names(truth.get("editor")),
        "body": body_matches(record.get("body"), truth.get("body_first"), truth.get("body_last")),
    }


@dataclass
class Miss:
    """One field of one page that did not match."""

    page: str
    field: str
    expected: Any
    found: Any


@dataclass
class Report:
    """Per-field accuracy over a folder and the misses behind it."""

    pages: int = 0
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[Miss] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        """Share of pages with this field right (0.0 on an empty folder)."""
        return self.correct[name] / self.pages if self.pages else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "pages": self.pages,
            "accuracy": {name: round(self.accuracy(name), 4) for name in FIELDS},
            "misses": [miss.__dict__ for miss in self.misses],
        }


def _expected(truth: dict[str, Any], name: str) -> Any:
    if name == "authors":
        return truth.get("author")
    if name == "editors":
        return truth.get("editor")
    if name == "body":
        return [truth.get("body_first"), truth.get("body_last")]
    return truth.get(name)


def _found(record: dict[str, Any], name: str) -> Any:
    if name == "body":
        body = record.get("body") or ""
        return [body[:40], body[-40:]] if body else None
    return record.get(name)


def ours(body: bytes, url: str) -> dict[str, Any]:
    """Our parser as an extractor for ``evaluate_dir``."""
    article: Article = parse_page(body, url)
    return article.to_record()


def load_cases(path: str | Path) -> list[tuple[str, bytes, dict[str, Any]]]:
    """``(name, html bytes, label json)`` for every labelled page in a folder."""
    folder = Path(path)
    cases = []
    for html in sorted(folder.glob("*.html")):
        label = html.with_suffix(".json")
        if label.exists():
            cases.append((html.stem, html.read_bytes(), json.loads(label.read_text("utf-8"))))
    return cases


def evaluate_cases(
    cases: list[tuple[str, bytes, dict[str, Any]]], extractor: Extractor = ours
) -> Report:
    """Score an extractor on loaded cases."""
    report = Report()
    for name, body, label in cases:
        truth = label.get("truth", {})
        record = extractor(body, label.get("url") or f"http://unknown.invalid/{name}.html")
        report.pages += 1
        for field_name, ok in score_record(record, truth).items():
            if ok:
                report.correct[field_name] += 1
            else:
                report.misses.append(
                    Miss(name, field_name, _expected(truth, field_name), _found(record, field_name))
                )
    return report


def evaluate_dir(path: str | Path, extractor: Extractor = ours) -> Report:
    """Score an extractor (ours by default) on every ``NNN.html`` + ``NNN.json`` in ``path``."""
    return evaluate_cases(load_cases(path), extractor)
