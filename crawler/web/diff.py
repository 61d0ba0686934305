"""What changed between two states of an article: fields side by side, the body paragraph by paragraph.

A changed paragraph is also diffed character by character (Chinese has no spaces to diff words on).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from pipelines.records import HASHED_KEYS

# Every hashed field but the body (diffed paragraph by paragraph), then the parser version.
FIELDS = tuple(name for name in HASHED_KEYS if name != "body") + ("parser_version",)
# Runs of unchanged paragraphs longer than this are folded to their count.
CONTEXT = 1
# A replaced paragraph at least this alike (difflib ratio) to a new one is shown as changed.
SIMILAR = 0.5

Segment = tuple[str, str]  # (text, "same" | "removed" | "added")


@dataclass
class BodyChange:
    """One step of the paragraph diff: kept (folded), removed, added, or changed in place."""

    kind: str  # "same", "folded", "removed", "added", "changed"
    before: str = ""
    after: str = ""
    count: int = 0
    before_segments: list[Segment] = field(default_factory=list)
    after_segments: list[Segment] = field(default_factory=list)


@dataclass
class Change:
    """How one state of an article became the next."""

    before_label: str
    after_label: str
    when: str
    parser_before: str | None
    parser_after: str | None
    fields: list[tuple[str, Any, Any]]
    body: list[BodyChange]

    @property
    def unchanged(self) -> bool:
        """True when nothing a reader sees differs (a new parser version that found the same)."""
        return not self.fields and all(step.kind in ("same", "folded") for step in self.body)


def _show(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value)
    return value


def _chars(before: str, after: str) -> tuple[list[Segment], list[Segment]]:
    old: list[Segment] = []
    new: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            old.append((before[i1:i2], "same"))
            new.append((after[j1:j2], "same"))
            continue
        if i2 > i1:
            old.append((before[i1:i2], "removed"))
        if j2 > j1:
            new.append((after[j1:j2], "added"))
    return old, new


def _replaced(old: list[str], new: list[str]) -> list[BodyChange]:
    """Paragraphs replaced by others: pairs alike enough are "changed" in place, in order."""
    steps: list[BodyChange] = []
    j = 0
    for a in old:
        match = next(
            (
                k
                for k in range(j, len(new))
                if difflib.SequenceMatcher(None, a, new[k], autojunk=False).ratio() >= SIMILAR
            ),
            None,
        )
        if match is None:
            steps.append(BodyChange("removed", before=a))
            continue
        steps += [BodyChange("added", after=p) for p in new[j:match]]
        segs_a, segs_b = _chars(a, new[match])
        steps.append(BodyChange("changed", a, new[match], 0, segs_a, segs_b))
        j = match + 1
    steps += [BodyChange("added", after=p) for p in new[j:]]
    return steps


def body_diff(before: str | None, after: str | None) -> list[BodyChange]:
    """The paragraph diff of two bodies (one paragraph a line)."""
    old = (before or "").split("\n") if before else []
    new = (after or "").split("\n") if after else []
    steps: list[BodyChange] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            run = old[i1:i2]
            if len(run) > 2 * CONTEXT + 1:
                steps += [BodyChange("same", p, p) for p in run[:CONTEXT]]
                steps.append(BodyChange("folded", count=len(run) - 2 * CONTEXT))
                steps += [BodyChange("same", p, p) for p in run[-CONTEXT:]]
            else:
                steps += [BodyChange("same", p, p) for p in run]
        elif tag == "replace":
            steps += _replaced(old[i1:i2], new[j1:j2])
        else:
            steps += [BodyChange("removed", before=p) for p in old[i1:i2]]
            steps += [BodyChange("added", after=p) for p in new[j1:j2]]
    if steps and all(s.kind in ("same", "folded") for s in steps):
        count = sum(s.count or 1 for s in steps)
        return [BodyChange("folded", count=count)]
    return steps


def changes(versions: list[dict[str, Any]], current: dict[str, Any]) -> list[Change]:
    """Each step from the oldest version to the current record, newest step first."""
    states = [*versions, current]
    out: list[Change] = []
    for n, (old, new) in enumerate(pairwise(states), start=1):
        fields = [
            (name, _show(old.get(name)), _show(new.get(name)))
            for name in FIELDS
            if name != "parser_version" and (old.get(name) or None) != (new.get(name) or None)
        ]
        out.append(
            Change(
                before_label=f"version {n}",
                after_label="current" if new is current else f"version {n + 1}",
                when=old.get("replaced_at") or "",
                parser_before=old.get("parser_version"),
                parser_after=new.get("parser_version"),
                fields=fields,
                body=body_diff(old.get("body"), new.get("body")),
            )
        )
    return out[::-1]
