"""Labelled metadata lines (``发布时间:… 来源:…``): which label, which value, where."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .patterns import (
    AUTHOR_LABELS,
    COLON_LABELS,
    COLON_SEP_RE,
    DATE_LABELS,
    EDITOR_LABELS,
    LABEL_AFTER_RE,
    LABEL_RE,
    SECONDARY_DATE_LABELS,
    SENTENCE_END,
    SOURCE_LABELS,
    SPACED_LABEL_MAX_CHARS,
    SPACED_LABEL_RE,
    TRADITIONAL_LABEL_CHARS,
    UNSEPARATED_SOURCE_MAX_CHARS,
    UNSEPARATED_SOURCE_RE,
)
from .tree import Line

KIND_BY_LABEL = {
    **{label: "date" for label in DATE_LABELS + SECONDARY_DATE_LABELS},
    **{label: "source" for label in SOURCE_LABELS},
    **{label: "author" for label in AUTHOR_LABELS},
    **{label: "editor" for label in EDITOR_LABELS},
}
VALUE_CLOSERS_RE = re.compile(r"[)）\]】」>》]")
MAX_VALUE_CHARS = 60
MAX_NEXT_VALUE_CHARS = 30
SENTENCE_PUNCT_RE = re.compile(r"[，。！？；]")


@dataclass(frozen=True)
class LabelHit:
    """One label on a line and the value that follows it (or the next line's text)."""

    kind: str
    label: str
    value: str
    line_index: int
    bracketed: bool = False


_TRADITIONAL_RE = re.compile("[" + "".join(map(chr, TRADITIONAL_LABEL_CHARS)) + "]")


def label_text(text: str) -> str:
    """The line as labels are matched: traditional label characters made simplified, 1:1."""
    if _TRADITIONAL_RE.search(text) is None:
        return text  # (translate looks up every character: most lines have none to change)
    return text.translate(TRADITIONAL_LABEL_CHARS)


def label_matches(text: str) -> list[re.Match[str]]:
    """``LABEL_RE`` matches that stand where a label may: at the start, after white space, a
    digit or a bracket, or (two characters or more) right before a colon. ``text`` is as
    ``label_text`` gives it."""
    found: list[re.Match[str]] = []
    position = 0
    while (match := LABEL_RE.search(text, position)) is not None:
        start = match.start()
        if (start == 0 or LABEL_AFTER_RE.match(text, start - 1)
                or match.group("label") in COLON_LABELS and COLON_SEP_RE.match(match.group("sep"))):
            found.append(match)
            position = match.end()
        else:
            position = start + 1
    return found


def has_label(text: str) -> bool:
    """Whether a line holds a label (traditional forms included)."""
    return bool(label_matches(label_text(text)))


def find_labels(text: str) -> list[re.Match[str]]:
    """Labels on a line: ``label + separator``, and on short metadata lines ``role word + space``.

    The matches are on ``label_text(text)``: their positions hold for ``text`` itself.
    """
    text = label_text(text)
    matches = label_matches(text)
    if len(text) <= SPACED_LABEL_MAX_CHARS and text[-1:] not in SENTENCE_END:
        taken = [(m.start(), m.end()) for m in matches]
        for spaced in SPACED_LABEL_RE.finditer(text):
            if not any(start <= spaced.start() < end or spaced.start() <= start < spaced.end() for start, end in taken):
                matches.append(spaced)
        matches.sort(key=lambda m: m.start())
    if not matches and len(text) <= UNSEPARATED_SOURCE_MAX_CHARS:
        matches.extend(UNSEPARATED_SOURCE_RE.finditer(text))
    return matches


def label_hits(lines: list[Line], position: int) -> list[LabelHit]:
    """Every known label on ``lines[position]``, with values split at the next label."""
    line = lines[position]
    text = line.text
    matches = find_labels(text)
    hits: list[LabelHit] = []
    for number, match in enumerate(matches):
        label = match.group("label")
        kind = KIND_BY_LABEL.get(label, "other")
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        value = text[match.end() : end].strip()
        opener = text[max(0, match.start() - 2) : match.start()]
        bracketed = any(ch in opener for ch in "(（[【")
        if not value and number + 1 == len(matches):
            value = _next_value(lines, position)
        hits.append(LabelHit(kind, label, value[:MAX_VALUE_CHARS], line.index, bracketed))
    return hits


def _next_value(lines: list[Line], position: int) -> str:
    # Label and value in separate elements: the value is the next visible text.
    for offset in (1, 2):
        if position + offset < len(lines):
            candidate = lines[position + offset]
            if candidate.image is not None:
                continue
            if LABEL_RE.match(label_text(candidate.text)):
                return ""
            # A name or a medium is short; a sentence is the next text, not this label's value.
            if len(candidate.text) > MAX_NEXT_VALUE_CHARS or SENTENCE_PUNCT_RE.search(candidate.text):
                return ""
            return candidate.text
    return ""


def collect(lines: list[Line], positions: list[int]) -> list[LabelHit]:
    """Label hits over the given line positions, in that order."""
    hits: list[LabelHit] = []
    for position in positions:
        if 0 <= position < len(lines) and lines[position].image is None and lines[position].length < 400:
            hits.extend(label_hits(lines, position))
    return hits


def cut_value(value: str) -> str:
    """A value up to its closing bracket, without bracketed notes (``游民星空[整理]``)."""
    value = re.sub(r"[\[【(（][^\]】)）]{0,30}[\]】)）]$", "", value.strip())
    value = value.lstrip("[【(（ ")
    found = VALUE_CLOSERS_RE.search(value)
    if (found and found.start() > 0 and value[found.start()] != "》"
            and value[: found.start()].count("《") <= value[: found.start()].count("》")):
        value = value[: found.start()]
    return value.strip(" ·|-—:：")
