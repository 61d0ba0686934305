"""Security: hostile filter values through the CLI are bound, locators and WARC names stay in the data dir."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.errors import ArchiveError
from archive.reader import read_at
from archive.writer import WarcWriter, safe_host_name
from crawler.cli import main
from pipelines.db import open_engine
from pipelines.store import ArticleStore, StoreItem

HOSTILE = ["'; DROP TABLE articles; --", "%", "_", "%%", "' OR '1'='1", "厚街%'; --", "\\", '"']
FILTERS = ("--author", "--editor", "--source", "--channel")


def make(n: int, author: str, source: str) -> dict[str, Any]:
    return {
        "url": f"http://www.chinareports.org.cn/a/{n}.html", "title": f"标题{n}",
        "published": f"2024-02-{10 + n:02d}T11:33:41+08:00", "source": source,
        "authors": [author], "editors": ["陈伟赞"], "channel": "乡村",
        "body": f"厚街镇推进高质量发展{n}。", "images": [], "status": "ok", "parser_version": "1",
    }  # fmt: skip


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> tuple[str, Path]:
    engine = open_engine(db_url)
    seen = datetime(2024, 3, 1, tzinfo=UTC)
    ArticleStore(engine).store_articles([
        StoreItem(make(1, "张三", "中国报道"), seen),
        StoreItem(make(2, "李四", "100% 来源_x"), seen),
    ])  # fmt: skip
    engine.dispose()
    return db_url, tmp_path


def query(archive: tuple[str, Path], *args: str) -> Any:
    db_url, data = archive
    return CliRunner().invoke(main, ["query", *args, "--format", "json", "--db", db_url,
                                     "--data-dir", str(data)])


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_query_filter_binds_hostile_values(archive: tuple[str, Path], hostile: str) -> None:
    for option in FILTERS:
        result = query(archive, option, hostile)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == [], (option, hostile)  # matched only literally
    result = query(archive, hostile)
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    # Keyword search matches words: only the Chinese word in a hostile string can match.
    assert found == [] if hostile.isascii() else all("厚街" in r["body"] for r in found)
    for option in ("--since", "--until"):
        result = query(archive, option, hostile)
        assert result.exit_code != 0 and "Traceback" not in result.output
    export = CliRunner().invoke(main, ["export", "--author", hostile, "--format", "jsonl", "-o",
                                       str(archive[1] / "out.jsonl"), "--db", archive[0],
                                       "--data-dir", str(archive[1])])
    assert export.exit_code == 0, export.output
    everything = query(archive)
    assert len(json.loads(everything.output)) == 2  # no table dropped, no row lost


def test_wildcards_match_only_themselves(archive: tuple[str, Path]) -> None:
    [row] = json.loads(query(archive, "--source", "100% 来源_x").output)
    assert row["authors"] == ["李四"]
    assert json.loads(query(archive, "--source", "100_ 来源%x").output) == []


@pytest.mark.parametrize("name", ["../outside.warc.gz", "/etc/passwd", "a/../../b.warc.gz",
                                  "..", "", "sub/file.warc.gz"])
def test_a_locator_cannot_leave_the_warc_dir(tmp_path: Path, name: str) -> None:
    (tmp_path / "outside.warc.gz").write_bytes(b"secret")
    locator = {"filename": name, "offset": 0, "length": 6, "record_type": "response",
               "payload_digest": "", "warc_date": "", "record_id": ""}
    with pytest.raises(ArchiveError, match="invalid WARC file name"):
        read_at(tmp_path / "warc", locator)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_warc_file_names_from_any_host_stay_in_the_directory(host: str) -> None:
    name = safe_host_name(host)
    assert name and "/" not in name and "\x00" not in name and name not in (".", "..")


def test_writer_with_hostile_host_and_url_writes_only_inside(tmp_path: Path) -> None:
    warc_dir = tmp_path / "data" / "warc"
    with WarcWriter(warc_dir, host="../../../etc/evil\x00host") as writer:
        writer.write_exchange(url="http://x.cn/../../../../etc/passwd?a=/../../", status=200,
                              body=b"<html></html>")
    made = [Path(root) / f for root, _, files in os.walk(tmp_path) for f in files]
    assert made and all(p.parent == warc_dir for p in made)
