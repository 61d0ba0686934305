"""Property tests on hostile input: the date parser and the WARC reader raise only documented errors.

The parser and the URL canonicaliser have theirs in test_parser_properties.py and
test_canonical.py; these fill the gaps.
"""

from __future__ import annotations

import gzip
from datetime import date, datetime
from pathlib import Path

from faultserver import gzip_bomb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.codecs import DecodedTooLargeError, decode_content
from archive.errors import ArchiveError
from archive.reader import iter_records
from archive.writer import WarcWriter
from crawler.parser.dates import parse_date

DATEISH = st.text(alphabet="0123456789-/:年月日时分秒 .T+发布时间来源", max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), DATEISH))
def test_parse_date_returns_a_date_or_none(text: str) -> None:
    found = parse_date(text)
    if found is not None:
        assert isinstance(found.value, (datetime, date))
        if isinstance(found.value, datetime):
            assert found.value.tzinfo is not None  # always time-zone aware
        assert found.raw and found.raw in text


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9999), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
       st.integers(0, 99))
def test_parse_date_on_out_of_range_numbers(year: int, month: int, day: int, hour: int,
                                            minute: int) -> None:
    for text in (f"{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}",
                 f"{year}年{month}月{day}日 {hour}:{minute}", f"{year}/{month}/{day}"):
        found = parse_date(text)
        if found is not None:
            assert 1 <= found.value.month <= 12 and 1 <= found.value.day <= 31


def _warc(tmp: Path) -> bytes:
    with WarcWriter(tmp, host="test") as writer:
        for n in range(3):
            writer.write_exchange(url=f"http://x.cn/{n}.html", status=200,
                                  response_headers=[("Content-Type", "text/html")],
                                  body=f"<html>页面{n}</html>".encode())
    [path] = tmp.glob("*.warc.gz")
    return path.read_bytes()


def _read_all(tmp: Path, data: bytes) -> int:
    path = tmp / "input.warc.gz"
    path.write_bytes(data)
    try:
        return len(list(iter_records([path])))
    except ArchiveError as exc:
        assert "input.warc.gz" in str(exc)  # names the file
        return -1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_iter_records_on_arbitrary_bytes_raises_only_archive_error(tmp_path: Path,
                                                                   data: bytes) -> None:
    _read_all(tmp_path, data)
    _read_all(tmp_path, gzip.compress(data))
    _read_all(tmp_path, gzip.compress(b"WARC/1.1\r\n" + data))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_iter_records_on_cut_or_damaged_warcs(tmp_path: Path, data: st.DataObject) -> None:
    good = _warc(tmp_path / "src") if not (tmp_path / "good").exists() else (
        tmp_path / "good").read_bytes()
    (tmp_path / "good").write_bytes(good)
    cut = data.draw(st.integers(0, len(good)))
    assert _read_all(tmp_path, good[:cut]) in (-1, 0, 1, 2, 3)
    flip = data.draw(st.integers(0, len(good) - 1))
    damaged = bytearray(good)
    damaged[flip] ^= data.draw(st.integers(1, 255))
    _read_all(tmp_path, bytes(damaged))
    assert _read_all(tmp_path, good) == 3


def test_a_bomb_in_a_warc_reads_back_bounded(tmp_path: Path) -> None:
    bomb = gzip_bomb(128 << 20)  # twice the reader's 64 MiB bound
    with WarcWriter(tmp_path, host="test") as writer:
        writer.write_exchange(url="http://x.cn/bomb.html", status=200, body=bomb,
                              response_headers=[("Content-Encoding", "gzip")])
    [record] = iter_records(tmp_path.glob("*.warc.gz"))
    assert record.raw_body == bomb and record.body == bomb  # left as stored, not inflated
    try:
        decode_content(bomb, "gzip", limit=1 << 20)
    except DecodedTooLargeError as exc:
        assert "1048576" in str(exc)
    else:
        raise AssertionError("a bomb decoded past its limit")
