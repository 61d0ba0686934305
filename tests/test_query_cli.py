"""The query, export, stats and db commands, and the Archive API, over a real SQLite archive."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crawler.cli import main
from pipelines import Archive
from pipelines.db import open_engine
from pipelines.errors import StoreError
from pipelines.export import export_records
from pipelines.store import ArticleStore, StoreItem

SEEN = datetime(2024, 3, 1, tzinfo=UTC)


def make(n: int, title: str, body: str, channel: str = "乡村") -> dict[str, Any]:
    return {
        "url": f"http://www.chinareports.org.cn/a/{n}.html",
        "title": title,
        "published": f"2024-02-{10 + n:02d}T11:33:41+08:00",
        "source": "中国报道",
        "authors": ["黄楚芳", "张三"],
        "editors": ["陈伟赞"],
        "channel": channel,
        "body": body,
        "images": [{"src": "http://x.cn/1.jpg", "caption": "厚街,夜景"}],
        "status": "ok",
        "parser_version": "1",
    }


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    engine = open_engine(f"sqlite:///{tmp_path / 'articles.db'}")
    ArticleStore(engine).store_articles(
        [
            StoreItem(make(1, "东莞厚街重点发力", "厚街镇推进高质量发展。\n第二段"), SEEN),
            StoreItem(make(2, "乡村振兴", '村民说,"引号",逗号'), SEEN),
            StoreItem(make(3, "城市更新", "高质量发展", channel="城市"), SEEN),
        ]
    )
    engine.dispose()
    return tmp_path


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    return result


def test_query_jsonl_has_design_keys(data_dir: Path) -> None:
    result = run("query", "高质量发展", "--format", "jsonl", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["title"] for r in records] == ["城市更新", "东莞厚街重点发力"]
    assert records[1]["published"] == "2024-02-11T11:33:41+08:00"
    assert records[1]["authors"] == ["黄楚芳", "张三"]


def test_query_filters_and_paging(data_dir: Path) -> None:
    result = run(
        "query",
        "--channel",
        "乡村",
        "--limit",
        "1",
        "--offset",
        "1",
        "--format",
        "json",
        "--data-dir",
        str(data_dir),
    )
    assert result.exit_code == 0, result.output
    assert [r["title"] for r in json.loads(result.output)] == ["东莞厚街重点发力"]
    table = run("query", "厚街", "--format", "csv", "--data-dir", str(data_dir))
    assert table.exit_code == 0, table.output
    rows = list(csv.DictReader(table.output.splitlines()))
    assert [r["title"] for r in rows] == ["东莞厚街重点发力"]
    assert list(rows[0]) == [
        "id",
        "published",
        "title",
        "authors",
        "editors",
        "source",
        "channel",
        "url",
    ]


def test_query_bad_date_is_one_line(data_dir: Path) -> None:
    result = run("query", "--until", "yesterday", "--data-dir", str(data_dir))
    assert result.exit_code != 0
    assert "bad date 'yesterday'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_round_trips(data_dir: Path, fmt: str) -> None:
    out = data_dir / f"out.{fmt}"
    result = run(
        "export", "--format", fmt, "-o", str(out), "--channel", "乡村", "--data-dir", str(data_dir)
    )
    assert result.exit_code == 0, result.output
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    elif fmt == "csv":
        with out.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            row["authors"] = json.loads(row["authors"])
            row["images"] = json.loads(row["images"])
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
    assert [r["title"] for r in rows] == ["东莞厚街重点发力", "乡村振兴"]
    assert rows[0]["authors"] == ["黄楚芳", "张三"]
    assert rows[0]["images"] == [{"src": "http://x.cn/1.jpg", "caption": "厚街,夜景"}]
    assert rows[1]["body"] == '村民说,"引号",逗号'


def test_parquet_without_pyarrow_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate the missing optional dependency (pyarrow is third-party, not our code).
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(StoreError, match=r"pip install 'chinareport-archive\[parquet\]'"):
        export_records([{"id": 1}], tmp_path / "x.parquet", "parquet")
    assert not (tmp_path / "x.parquet").exists()


def test_stats_and_db_upgrade(data_dir: Path) -> None:
    result = run("stats", "--format", "json", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["articles"] == 3
    assert {"site": "www.chinareports.org.cn", "channel": "乡村", "articles": 2} in counts[
        "by_channel"
    ]
    text = run("stats", "--data-dir", str(data_dir))
    assert text.exit_code == 0 and "articles: 3" in text.output
    upgrade = run("db", "upgrade", "--data-dir", str(data_dir))
    assert upgrade.exit_code == 0 and "current" in upgrade.output
    fresh = run("db", "upgrade", "--data-dir", str(data_dir / "new"))
    assert fresh.exit_code == 0 and "upgraded from empty" in fresh.output


def test_archive_api(data_dir: Path) -> None:
    with Archive.open(data_dir) as archive:
        hits = archive.articles("厚街", author="张三")
        assert [r["title"] for r in hits] == ["东莞厚街重点发力"]
        assert archive.article(hits[0]["url"])["id"] == hits[0]["id"]  # type: ignore[index]
        assert len(list(archive.iter_articles())) == 3
        assert archive.stats()["articles"] == 3
        assert archive.export(data_dir / "all.jsonl") == 3
    with Archive.open(f"sqlite:///{data_dir / 'articles.db'}") as same:
        assert len(same.articles(limit=None)) == 3
