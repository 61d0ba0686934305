"""canonical_url and normalise_record: one key per article, clean records."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipelines.canonical import canonical_url
from pipelines.errors import InvalidURL, StoreError
from pipelines.normalise import normalise_record

ARTICLE = "http://www.chinareports.org.cn/szyw/2019/0618/5732.html"


@pytest.mark.parametrize(
    "variant",
    [
        "HTTP://WWW.ChinaReports.org.cn/szyw/2019/0618/5732.html",
        "http://www.chinareports.org.cn:80/szyw/2019/0618/5732.html",
        "http://www.chinareports.org.cn/szyw/2019/0618/5732.html#comments",
        "http://www.chinareports.org.cn/szyw/2019/0618/5732.html?utm_source=wechat&utm_medium=x",
        "http://www.chinareports.org.cn/szyw/2019/0618/5732.html?spm=a.b.c&from=timeline",
        "  http://www.chinareports.org.cn/szyw/2019/0618/5732.html  ",
        "http://www.chinareports.org.cn/szyw/2019/0618/%35732.html",
    ],
)
def test_variants_share_one_key(variant: str) -> None:
    assert canonical_url(variant) == ARTICLE


def test_gbk_and_utf8_query_strings_are_one_key() -> None:
    base = "http://news.example.cn/search.php?kw="
    gbk = base + quote("厚街镇", encoding="gbk")
    utf8 = base + quote("厚街镇", encoding="utf-8")
    assert gbk != utf8
    assert canonical_url(gbk) == canonical_url(utf8) == canonical_url(base + "厚街镇")
    assert canonical_url(gbk).endswith("kw=%E5%8E%9A%E8%A1%97%E9%95%87")


def test_meaningful_differences_stay_apart() -> None:
    assert canonical_url("https://a.cn/x") != canonical_url("http://a.cn/x")
    assert canonical_url("http://a.cn:8080/x") != canonical_url("http://a.cn/x")
    assert canonical_url("http://a.cn/x?id=1") != canonical_url("http://a.cn/x?id=2")
    # An escaped slash is not a path separator.
    assert canonical_url("http://a.cn/a%2Fb") != canonical_url("http://a.cn/a/b")
    assert canonical_url("http://a.cn/X.html") != canonical_url("http://a.cn/x.html")


def test_parameter_order_and_case_of_escapes() -> None:
    assert canonical_url("http://a.cn/p?b=2&a=1") == canonical_url("http://a.cn/p?a=1&b=2")
    assert canonical_url("http://a.cn/%e5%8e%9a") == canonical_url("http://a.cn/%E5%8E%9A")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_but_invalid_url(value: str) -> None:
    try:
        key = canonical_url(value)
    except InvalidURL:
        return
    assert isinstance(key, str)
    # Canonical keys are fixed points: canonicalising again changes nothing.
    assert canonical_url(key) == key


# The 3,755 common characters (GB2312 level 1), what real query strings are made of.
COMMON_HAN = [
    bytes([lead, trail]).decode("gb2312")
    for lead in range(0xB0, 0xD8)
    for trail in range(0xA1, 0xFF)
    if not (lead == 0xD7 and trail > 0xF9)
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(COMMON_HAN), min_size=1, max_size=8).map("".join))
def test_any_chinese_query_in_gbk_or_utf8_is_one_key(words: str) -> None:
    # Documented limit: GBK bytes that happen to be valid UTF-8 (一 is D2 BB) read as UTF-8.
    try:
        words.encode("gb18030").decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        assume(False)
    base = "http://a.cn/s?q="
    assert canonical_url(base + quote(words, encoding="gb18030")) == canonical_url(
        base + quote(words, encoding="utf-8")
    )


def test_invalid_url_is_a_store_error() -> None:
    with pytest.raises(InvalidURL):
        canonical_url("http://[::1/x")
    with pytest.raises(StoreError):
        canonical_url("http://a.cn:99999999/")


def test_normalise_record_cleans_fields() -> None:
    record = {
        "url": " http://a.cn/1.html ",
        "title": "  2024年东莞厚街\u3000重点发力  ",
        "published": "2024-02-26T11:33:41",
        "authors": ["黄楚芳、张三", "李四 王五", "张三"],
        "editors": "陈伟赞;陈伟赞，赵六",
        "source": " 中国报道 ",
        "channel": None,
        "body": "  第一段  \n\n\t第二  段 \n",
        "images": [{"src": " http://a.cn/a.jpg ", "caption": " 图 "}, {"src": ""}],
        "status": "ok",
        "parser_version": "1",
    }
    out = normalise_record(record)
    assert out["url"] == "http://a.cn/1.html"
    assert out["title"] == "2024年东莞厚街 重点发力"
    assert out["published"] == "2024-02-26T11:33:41+08:00"
    assert out["authors"] == ["黄楚芳", "张三", "李四", "王五"]
    assert out["editors"] == ["陈伟赞", "赵六"]
    assert out["source"] == "中国报道"
    assert out["body"] == "第一段\n第二 段"
    assert out["images"] == [{"src": "http://a.cn/a.jpg", "caption": "图"}]
    assert record["authors"][0] == "黄楚芳、张三"  # the input is not modified


def test_normalise_keeps_dates_and_rejects_garbage() -> None:
    assert normalise_record({"published": "2024-02-26"})["published"] == "2024-02-26"
    assert normalise_record({"published": None})["published"] is None
    with pytest.raises(StoreError, match="bad published"):
        normalise_record({"published": "2024-02-30"})
    with pytest.raises(StoreError, match="bad published"):
        normalise_record({"published": "上周"})
