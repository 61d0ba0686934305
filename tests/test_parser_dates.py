"""Date formats of Chinese news pages, parsed time-zone aware; bad input gives None."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.parser.dates import date_from_url, parse_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("发布时间:2024-02-26 11:33:41 推广 来源:中国报道", "2024-02-26T11:33:41+08:00"),
        ("2024年02月26日 11:33", "2024-02-26T11:33:00+08:00"),
        ("2009年11月09日00:00", "2009-11-09T00:00:00+08:00"),
        ("时间：2024.05.20", "2024-05-20"),
        ("2024/2/26", "2024-02-26"),
        ("2019-06-05 17:05", "2019-06-05T17:05:00+08:00"),
        ("2019-06-05T09:05:00Z", "2019-06-05T09:05:00+00:00"),
        ("2024-05-09T22:27:02+08:00", "2024-05-09T22:27:02+08:00"),
        ("2024年5月9日", "2024-05-09"),
        ("發佈時間：2024年3月5日 下午3:20", "2024-03-05T15:20:00+08:00"),
        ("2024年3月5日 上午9:05", "2024-03-05T09:05:00+08:00"),
        ("2024年3月5日15時20分", "2024-03-05T15:20:00+08:00"),
    ],
)
def test_formats(text: str, iso: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None and parsed.iso() == iso


def test_raw_and_time_flag_kept() -> None:
    parsed = parse_date("发稿时间：2017-03-10 08:42:00 来源")
    assert parsed is not None and parsed.raw == "2017-03-10 08:42:00" and parsed.has_time
    assert parsed.value.utcoffset() is not None


@pytest.mark.parametrize("text", ["", "2024-13-45", "2024年2月", "无日期", "1234-05-06", "2024-02-30 10:00"])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


def test_url_dates() -> None:
    assert date_from_url("http://x.cn/szyw/2019/0618/5732.html").iso() == "2019-06-18"  # type: ignore[union-attr]
    assert date_from_url("https://news.youth.cn/gj/202405/t20240520_15263156.htm").iso() == "2024-05-20"  # type: ignore[union-attr]
    assert date_from_url("http://x.cn/2024-05/13/content_1.shtml").iso() == "2024-05-13"  # type: ignore[union-attr]
    assert date_from_url("http://x.cn/about.html") is None


@given(st.text(max_size=200))
def test_parse_date_never_raises(text: str) -> None:
    parsed = parse_date(text)
    assert parsed is None or parsed.iso()
