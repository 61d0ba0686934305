"""CI gate: parser accuracy on the hand-written held-out pages in tests/parser_cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.parser import parse_page
from crawler.parser.evaluate import FIELDS, evaluate_dir, load_cases

CASES = Path(__file__).with_name("parser_cases")
HARD = Path(__file__).with_name("parser_cases_hard")
HARD2 = Path(__file__).with_name("parser_cases_hard2")
HARD3 = Path(__file__).with_name("parser_cases_hard3")
FLOORS = Path(__file__).with_name("eval_floors.json")
SETS = pytest.mark.parametrize(
    ("folder", "key"),
    [(CASES, "cases"), (HARD, "hard"), (HARD2, "hard2"), (HARD3, "hard3")],
)


@SETS
def test_case_set_is_complete(folder: Path, key: str) -> None:
    cases = load_cases(folder)
    assert len(cases) >= 20
    for name, body, label in cases:
        truth = label["truth"]
        assert set(truth) >= {
            "title",
            "published",
            "source",
            "author",
            "editor",
            "body_first",
            "body_last",
        }, name
        assert body, name


@SETS
def test_accuracy_at_or_above_floors(folder: Path, key: str) -> None:
    floors = json.loads(FLOORS.read_text("utf-8"))[key]["floors"]
    assert set(floors) == set(FIELDS)
    report = evaluate_dir(folder)
    below = {
        name: (round(report.accuracy(name), 3), floor)
        for name, floor in floors.items()
        if report.accuracy(name) < floor
    }
    details = [
        f"{m.page} {m.field}: expected {m.expected!r:.80} found {m.found!r:.80}"
        for m in report.misses
    ]
    assert not below, f"below floor: {below}\n" + "\n".join(details)


@SETS
def test_every_case_is_an_article_with_its_charset(folder: Path, key: str) -> None:
    for name, body, label in load_cases(folder):
        article = parse_page(body, label.get("url") or f"http://unknown.invalid/{name}.html")
        assert article.status == "ok", (name, article.status, article.missing)
        if label.get("encoding") == "gbk":
            assert article.charset == "gb18030", name
        else:
            assert article.charset == "utf-8", name
