"""``parse_page`` never raises: random, truncated, deeply nested, empty and binary input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.parser import Article, parse_page
from crawler.parser.record import RECORD_KEYS

URL = "http://news.example.cn/a/2024/0226/1.html"
GOOD = (
    "<html><head><meta charset='gb2312'><title>厚街镇推进会_示例网</title></head><body>"
    "<h1>厚街镇推进会</h1><div>发布时间:2024-02-26 11:33:41 来源:中国报道</div>"
    "<div class='article'><p>中国报道讯(黄楚芳 报道)近日,厚街镇召开会议,部署全年工作任务,群众满意度持续提高。</p>"
    "<p>会议强调,要把基层治理现代化摆在更加突出的位置,确保各项任务按期完成。</p></div>"
    "<div>责任编辑:陈伟赞</div></body></html>"
).encode("gbk")
TAGS = st.sampled_from(["div", "p", "span", "a", "h1", "table", "td", "li", "br", "img", "script", "font"])


def check(article: Article) -> None:
    assert isinstance(article, Article)
    assert article.status in ("ok", "partial", "not_article")
    assert set(article.to_record()) >= set(RECORD_KEYS)


def test_empty_and_whitespace() -> None:
    for body in (b"", b"   ", b"\x00", b"<html></html>", b"<"):
        article = parse_page(body, URL)
        check(article)
        assert article.status == "not_article"


def test_deep_nesting() -> None:
    body = b"<div>" * 100_000 + "发布时间:2024-02-26 深".encode() + b"</div>" * 100_000
    check(parse_page(body, URL))


def test_good_page_parses_then_every_truncation_survives() -> None:
    article = parse_page(GOOD, URL)
    assert article.status == "ok" and article.authors == ["黄楚芳"]
    for cut in range(0, len(GOOD), 7):
        check(parse_page(GOOD[:cut], URL))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes(body: bytes) -> None:
    check(parse_page(body, URL, {"Content-Type": "text/html"}))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(TAGS, st.text(max_size=40), st.booleans()), max_size=60), st.text(max_size=30))
def test_random_markup(parts: list[tuple[str, str, bool]], url_tail: str) -> None:
    markup = "".join(f"<{tag}>{text}" + (f"</{tag}>" if close else "") for tag, text, close in parts)
    check(parse_page(markup.encode("utf-8", "surrogatepass"), URL + url_tail))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(GOOD)), st.binary(max_size=50))
def test_spliced_garbage(cut: int, junk: bytes) -> None:
    check(parse_page(GOOD[:cut] + junk + GOOD[cut:], URL, {"content-type": "text/html; charset=utf-8"}))
