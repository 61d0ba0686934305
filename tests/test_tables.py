"""Tables a person reads (issues 14 and 18): one row a line at 80 columns, page text as plain text.

The property tests render the query table and the stats tables from arbitrary text in every
field: rendering never raises and never lets a control character from the data out.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.cli.plain_text import one_line, terminal_json
from crawler.cli.stats_view import print_stats
from crawler.cli.tables import ARTICLE_COLUMNS, minutes, print_table
from crawler.jobs.paths import Paths

# Everything a terminal would act on: C0 (the table's own newlines aside), DEL, C1, bidi.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
PATHS = Paths(Path("/nonexistent/data"), "sqlite:///nonexistent.db")
ANY_TEXT = st.text(max_size=300) | st.sampled_from([
    "[/]", "[bold red]红[/bold red]", "[link=http://x]中国报道[/link]", "\x1b[31m", "\x1b]0;t\x07",
    "\u202e倒序", "\x00", ":smile:", "[", "\\[", "【独家】", "长" * 5000,
])


def table_text(rows: list[dict[str, Any]], width: int = 80) -> str:
    out = io.StringIO()
    print_table(rows, ARTICLE_COLUMNS, out=out, width=width)
    return out.getvalue()


def stats_text(result: dict[str, Any], paths: Paths = PATHS) -> str:
    out = io.StringIO()
    print_stats(result, paths, out=out, width=80)
    return out.getvalue()


def article(n: int, **fields: Any) -> dict[str, Any]:
    record = {
        "id": n, "published": "2024-06-27T11:49:03+08:00", "title": f"厚街镇第{n}次工作推进会",
        "authors": ["黄楚芳", "张三"], "editors": ["陈伟赞"], "source": "中国报道", "channel": "乡村",
        "url": f"http://www.chinareports.org.cn/xc/2024/0627/{n}.html",
    }
    return {**record, **fields}


records = st.lists(st.fixed_dictionaries({
    "id": st.integers(0, 10**9),
    "published": ANY_TEXT, "title": ANY_TEXT, "source": ANY_TEXT | st.none(),
    "channel": ANY_TEXT | st.none(), "url": ANY_TEXT,
    "authors": st.lists(ANY_TEXT, max_size=3), "editors": st.lists(ANY_TEXT, max_size=3),
}), max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=records, width=st.sampled_from([40, 80, 200]))
def test_the_query_table_renders_any_text_as_plain_text(rows: list[dict[str, Any]],
                                                        width: int) -> None:
    text = table_text(rows, width)
    assert not CONTROL.search(text), repr(CONTROL.search(text))


counts = st.integers(0, 10**6)
runs = st.lists(st.fixed_dictionaries({
    "id": st.integers(1, 10**6),
    "started": st.just("2024-06-27T03:49:03+00:00"),
    "finished": st.none() | st.just("2024-06-27T04:49:03+00:00"),
    "outcome": st.none() | ANY_TEXT,
    "arguments": st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2),
    "counts": st.fixed_dictionaries({"pages_fetched": counts, "articles_new": counts,
                                     "articles_changed": counts,
                                     "errors": st.dictionaries(ANY_TEXT, counts, max_size=3)}),
}), max_size=3)
stats_results = st.fixed_dictionaries({
    "articles": counts,
    "by_status": st.dictionaries(ANY_TEXT, counts, max_size=3),
    "by_channel": st.lists(st.fixed_dictionaries({"site": ANY_TEXT, "channel": ANY_TEXT | st.none(),
                                                  "articles": counts}), max_size=3),
    "by_source": st.lists(st.fixed_dictionaries({"source": ANY_TEXT | st.none(),
                                                 "articles": counts}), max_size=3),
    "fetches": counts,
    "fetch_errors": st.dictionaries(ANY_TEXT, counts, max_size=3),
    "http_errors": st.dictionaries(st.integers(400, 599), counts, max_size=2),
    "runs": runs,
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(result=stats_results)
def test_the_stats_tables_render_any_text_as_plain_text(result: dict[str, Any]) -> None:
    text = stats_text(result)
    assert not CONTROL.search(text), repr(CONTROL.search(text))


@given(st.text())
def test_one_line_drops_every_control_and_keeps_brackets(text: str) -> None:
    line = one_line(text)
    assert not CONTROL.search(line) and "\n" not in line
    assert line.count("[") == text.count("[") and line.count("【") == text.count("【")


@given(st.text())
def test_terminal_json_is_the_same_json(text: str) -> None:
    import json

    shown = terminal_json(json.dumps({"t": text}, ensure_ascii=False))
    assert json.loads(shown) == {"t": text}
    assert not CONTROL.search(shown)


def test_at_80_columns_a_row_is_one_line_with_the_time_to_the_minute() -> None:
    rows = [article(n, title="关于进一步加强和改进新时代基层治理现代化建设的若干意见全文发布")
            for n in range(1, 4)]
    lines = table_text(rows).splitlines()
    assert len(lines) == 2 + len(rows)  # header, rule, one line a row
    assert all(len(line) <= 80 for line in lines)
    assert "2024-06-27 11:49" in lines[2] and "+08:00" not in lines[2]
    assert "url" not in lines[0] and "http" not in "".join(lines)  # the URL is left to show
    assert "关于进一步加强" in lines[2] and "全文发布" not in lines[2]  # cut, not wrapped
    assert "黄楚芳、张三" in lines[2]


def test_wider_terminals_add_source_editors_then_the_url() -> None:
    header = {width: table_text([article(1)], width).splitlines()[0].split()
              for width in (80, 100, 120, 160)}
    assert header[80] == ["id", "published", "title", "authors"]
    assert header[100] == ["id", "published", "title", "authors", "channel", "source"]
    assert header[120][-1] == "editors" and "url" not in header[120]
    assert header[160][-1] == "url"
    assert "http://www.chinareports.org.cn/xc/2024/0627/1.html" in table_text([article(1)], 160)


def test_minutes() -> None:
    assert minutes("2024-06-27T11:49:03+08:00") == "2024-06-27 11:49"
    assert minutes("2024-06-27") == "2024-06-27"
    assert minutes(None) == "" and minutes("not a date at all") == "not a date at all"


def test_stats_runs_are_columns_with_their_log_file(tmp_path: Path) -> None:
    paths = Paths(tmp_path, f"sqlite:///{tmp_path / 'articles.db'}")
    started = datetime(2024, 6, 27, 3, 49, 3, tzinfo=UTC)
    from crawler.jobs.run_log import log_file_name

    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / log_file_name(17, started)).write_text("log\n")
    run = {"id": 17, "started": started.isoformat(),
           "finished": (started + timedelta(seconds=754)).isoformat(), "outcome": "finished",
           "arguments": {}, "counts": {"pages_fetched": 1204, "articles_new": 980,
                                       "articles_changed": 12, "errors": {"timeout": 5,
                                                                          "http_404": 2}}}
    old = {"id": 3, "started": started.isoformat(), "finished": None, "outcome": "interrupted",
           "arguments": {}, "counts": {"pages_fetched": 7, "note": "…"}}
    result = {"articles": 992, "by_status": {"ok": 992}, "by_channel": [], "by_source": [],
              "fetches": 1204, "fetch_errors": {"timeout": 5}, "http_errors": {404: 2},
              "runs": [run, old]}
    out = stats_text(result, paths)
    assert "{" not in out  # no JSON dictionary in a cell
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines if not line.startswith("crawl runs")), out
    header = next(line for line in lines if line.startswith("run"))
    assert header.split() == ["run", "pages", "new", "updated", "errors", "took", "outcome",
                              "log", "file"]
    row17 = next(line for line in lines if line.lstrip().startswith("17 "))
    assert row17.split()[:7] == ["17", "1204", "980", "12", "7", "13m", "finished"]
    assert row17.split()[-1] == log_file_name(17, started)
    row3 = next(line for line in lines if line.lstrip().startswith("3 "))
    assert row3.split()[-2:] == ["interrupted", "-"]  # no log file for it here
    assert f"log files in {tmp_path / 'logs'}" in out
