"""Hits made visible: a text cut into (text, is_hit) segments, and a snippet around the first hit.

Segments stay plain text; the templates escape them and wrap the hits in ``<mark>``.
"""

from __future__ import annotations

import re

Segment = tuple[str, bool]


def _pattern(pieces: list[str]) -> re.Pattern[str] | None:
    pieces = [p for p in pieces if p]
    if not pieces:
        return None
    return re.compile("|".join(re.escape(p) for p in pieces), re.IGNORECASE)


def highlight(text: str | None, pieces: list[str]) -> list[Segment]:
    """``text`` as segments, the occurrences of any of ``pieces`` marked as hits."""
    if not text:
        return []
    pattern = _pattern(pieces)
    if pattern is None:
        return [(text, False)]
    out: list[Segment] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            out.append((text[at : match.start()], False))
        out.append((match.group(), True))
        at = match.end()
    if at < len(text):
        out.append((text[at:], False))
    return out


def snippet(body: str | None, pieces: list[str], width: int = 120) -> list[Segment]:
    """About ``width`` characters of the body around its first hit (its start if none), marked."""
    text = " ".join((body or "").split())
    if not text:
        return []
    pattern = _pattern(pieces)
    found = pattern.search(text) if pattern else None
    start = 0
    if found is not None:
        start = max(0, found.start() - width // 3)
    end = min(len(text), start + width)
    segments = highlight(text[start:end], pieces)
    if start > 0:
        segments.insert(0, ("…", False))
    if end < len(text):
        segments.append(("…", False))
    return segments
