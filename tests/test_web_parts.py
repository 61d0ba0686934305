"""The web face's small parts on their own: hits, snippets, diffs, parameters, charts, links."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from crawler.web.charts import bar_chart, timeline
from crawler.web.diff import body_diff, changes
from crawler.web.errors import BadParameter
from crawler.web.filters import web_url, when
from crawler.web.params import PAGE_SIZE, parse_search
from crawler.web.snippets import highlight, snippet
from pipelines.search import match_pieces


def test_match_pieces_are_the_runs_a_query_finds() -> None:
    assert match_pieces("厚街") == ["厚街"]
    assert match_pieces("高质量发展 厚街") == ["高质量发展", "厚街"]
    assert match_pieces("厚街,镇 ABC") == ["ABC", "厚街", "镇"]


def test_highlight_marks_every_hit_case_insensitively() -> None:
    assert highlight("厚街镇在厚街", ["厚街"]) == [("厚街", True), ("镇在", False), ("厚街", True)]
    assert highlight("Percent PERCENT", ["percent"]) == [
        ("Percent", True), (" ", False), ("PERCENT", True)]
    assert highlight("没有", []) == [("没有", False)]
    # Longest piece first: 高质量发展 is one hit, not 发展 inside it.
    assert highlight("推动高质量发展", match_pieces("发展 高质量发展")) == [
        ("推动", False), ("高质量发展", True)]


def test_snippet_is_cut_around_the_first_hit() -> None:
    body = "甲" * 300 + "厚街" + "乙" * 300
    segments = snippet(body, ["厚街"], width=60)
    text = "".join(t for t, _ in segments)
    assert segments[0] == ("…", False) and segments[-1] == ("…", False)
    assert ("厚街", True) in segments and len(text) <= 62
    assert snippet("短文", ["厚街"]) == [("短文", False)]
    assert snippet(None, ["厚街"]) == []


def test_body_diff_folds_the_unchanged_and_diffs_a_changed_paragraph_by_character() -> None:
    same = ["第一段。", "第二段。", "第三段。", "第四段。"]
    before = "\n".join([*same, "第五段旧。"])
    after = "\n".join([*same, "第五段新。", "第六段。"])
    steps = body_diff(before, after)
    kinds = [s.kind for s in steps]
    assert kinds == ["same", "folded", "same", "changed", "added"]
    assert steps[1].count == 2
    assert steps[3].before_segments == [("第五段", "same"), ("旧", "removed"), ("。", "same")]
    assert steps[3].after_segments == [("第五段", "same"), ("新", "added"), ("。", "same")]
    assert [s.kind for s in body_diff("同一段。", "同一段。")] == ["folded"]


def test_changes_go_from_the_oldest_version_to_the_current_record_newest_first() -> None:
    v1 = {"title": "旧标题", "authors": ["张三"], "body": "正文。", "parser_version": "1",
          "replaced_at": "2024-03-01T00:00:00+00:00"}
    v2 = {**v1, "title": "新标题", "parser_version": "2", "replaced_at": "2024-04-01T00:00:00+00:00"}
    current = {**v2, "authors": ["张三", "李四"], "parser_version": "3"}
    steps = changes([v1, v2], current)
    assert [(s.before_label, s.after_label) for s in steps] == [
        ("version 2", "current"), ("version 1", "version 2")]
    assert steps[0].fields == [("authors", "张三", "张三、李四")]
    assert steps[1].fields == [("title", "旧标题", "新标题")]
    assert not steps[0].unchanged
    same = changes([{**current, "parser_version": "2"}], current)[0]
    assert same.unchanged and same.parser_before == "2"


@pytest.mark.parametrize(
    ("query", "name"),
    [({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"status": "gone"}, "status"),
     ({"since": "2024-02-30"}, "since"), ({"q": "a\x00b"}, "q")],
)
def test_page_parameters_are_checked(query: dict[str, str], name: str) -> None:
    with pytest.raises(BadParameter) as caught:
        parse_search(query, api=False)
    assert caught.value.name == name


def test_pages_ignore_unknown_parameters_and_the_api_refuses_them() -> None:
    search = parse_search({"q": " 厚街 ", "channel": "乡村", "utm_source": "x", "page": "3"},
                          api=False)
    assert search.text == "厚街" and search.filters["channel"] == "乡村"
    assert search.offset == 2 * PAGE_SIZE and search.page == 3
    assert search.url(4) == "/?q=%E5%8E%9A%E8%A1%97&channel=%E4%B9%A1%E6%9D%91&page=4"
    assert search.url(changes={"channel": None}) == "/?q=%E5%8E%9A%E8%A1%97"
    with pytest.raises(BadParameter) as caught:
        parse_search({"utm_source": "x"}, api=True)
    assert caught.value.name == "utm_source"
    assert parse_search({"limit": "0"}, api=True).limit == 0


def test_charts_escape_their_labels() -> None:
    svg = bar_chart([("<script>x</script>", 3), ("乡村", 1)], title="<b>t</b>")
    assert isinstance(svg, Markup)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;t" in svg
    days = timeline([("2024-01-01", 2), ("2024-01-05", 1)], title="per day")
    assert days.count("<rect") == 2 and "2024-01-01" in days and "2024-01-05" in days
    assert timeline([], title="none") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://www.chinareports.org.cn/a/1.html", "http://www.chinareports.org.cn/a/1.html"),
        ("https://example.com/x?y=1", "https://example.com/x?y=1"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example/x", None),
        ("/relative/path", None),
        ('http://x.example/"><script>', None),
        ("http://x.example/\nfoo", None),
        (None, None),
    ],
)
def test_only_absolute_http_urls_are_links(value: str | None, expected: str | None) -> None:
    assert web_url(value) == expected


def test_times_show_in_beijing_time() -> None:
    assert when("2024-02-26T11:33:41+08:00") == "2024-02-26 11:33"
    assert when("2024-02-26T03:33:41+00:00") == "2024-02-26 11:33"
    assert when("2024-02-26") == "2024-02-26"
    assert when(None) == ""


def test_templates_and_static_files_ship_as_package_data() -> None:
    # A non-editable install carries only what package-data names: every file the app reads.
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["crawler"]
    files = [p for folder in ("templates", "static")
             for p in (root / "crawler" / "web" / folder).iterdir() if p.is_file()]
    assert len(files) >= 8
    for path in files:
        relative = path.relative_to(root / "crawler").as_posix()
        assert any(fnmatch.fnmatch(relative, g) for g in globs), relative
