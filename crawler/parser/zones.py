"""Where each line stands around the article: after the title, inside the body, after it, before the title."""

from __future__ import annotations

from dataclasses import dataclass

from .body import Body
from .tree import Document

TAIL_LINES = 60
BEFORE_LINES = 40
NEAR_DATE_LINES = 2
NEAR_TITLE_LINES = 3


@dataclass(frozen=True)
class Zones:
    """Line positions around the article: after the title, inside the body, after it, before the title."""

    head: list[int]
    inner: list[int]
    tail: list[int]
    before: list[int]


def make_zones(doc: Document, title_line: int, body: Body) -> Zones:
    """The zones of a document whose title and body were found."""
    count = len(doc.lines)
    kept = {line.index for line in body.lines}
    start = body.start if body.lines else count
    end = body.end if body.lines else title_line
    head = list(range(title_line + 1, start)) if title_line >= 0 else []
    if title_line < 0 and body.lines:
        head = list(range(max(0, start - BEFORE_LINES), start))
    inner = [line.index for line in body.dropped if start <= line.index <= end and line.index not in kept]
    tail = list(range(end + 1, min(count, end + 1 + TAIL_LINES))) if end >= 0 else []
    before = list(range(max(0, title_line - BEFORE_LINES), title_line)) if title_line > 0 else []
    return Zones(head, sorted(inner), tail, before)
