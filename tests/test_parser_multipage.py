"""Pages 2..n of an article: _2.html, ?page=2, last-number pagers; never a listing's pages."""

from __future__ import annotations

from crawler.parser import find_next_pages, parse_page

TEXT = "".join(
    f"<p>第{n}段:今年以来,全市坚持问题导向,扎实推进民生实事项目,群众满意度持续提高,各项工作取得新进展。</p>"
    for n in range(1, 5)
)


def article(pager: str, extra: str = "") -> bytes:
    return f"""<html><head><meta charset="utf-8"><title>古城的千年文脉_人文_示例网</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/rw/">人文</a></div>
<h1>古城的千年文脉</h1><div class="info">发布时间:2024-04-02 15:30 来源:示例网</div>
<div class="content">{TEXT}</div><div class="page">{pager}</div>{extra}
<div class="footer">版权所有 示例网</div></body></html>""".encode()


def test_query_page_pager_with_gap_gives_every_page() -> None:
    url = "http://www.example.cn/rw/2024/0402/5531.html"
    pager = (
        "<a href='5531.html'>1</a> <a href='5531.html?page=2'>2</a> <a href='5531.html?page=3'>3</a> … "
        "<a href='5531.html?page=6'>6</a> <a href='5531.html?page=2'>下一页</a> <a href='5531.html?page=6'>尾页</a>"
    )
    first = parse_page(article(pager), url)
    assert first.status == "ok"
    assert first.next_pages == [f"{url}?page={n}" for n in range(2, 7)]
    assert parse_page(article(pager), url + "?page=2").next_pages == []


def test_ampersand_page_keeps_the_article_id() -> None:
    url = "http://www.example.cn/show.php?id=88&page=1"
    links = [
        ("show.php?id=88&page=2", "2"),
        ("show.php?id=88&page=3", "[3]"),
        ("show.php?id=89&page=2", "2"),
    ]
    assert find_next_pages(url, links) == [
        "http://www.example.cn/show.php?id=88&page=2",
        "http://www.example.cn/show.php?id=88&page=3",
    ]
    assert find_next_pages("http://www.example.cn/show.php?id=88", links[:1]) == [
        "http://www.example.cn/show.php?id=88&page=2"
    ]


def test_last_number_pager() -> None:
    url = "http://www.example.cn/content-6-4521-1.html"
    links = [
        ("content-6-4521-2.html", "2"),
        ("content-6-4521-3.html", "3"),
        ("content-6-4521-2.html", "下一页"),
        ("content-6-4500-1.html", "我市举办乡村旅游节"),
    ]
    assert find_next_pages(url, links) == [
        "http://www.example.cn/content-6-4521-2.html",
        "http://www.example.cn/content-6-4521-3.html",
    ]
    # A related article whose id ends in 1 is no pager.
    assert find_next_pages("http://www.example.cn/a/4501.html", [("/a/4502.html", "下一篇")]) == []


def test_underscore_pages_and_next_link() -> None:
    url = "http://www.example.cn/rw/2024/0402/5531.html"
    links = [("5531_2.html", "2"), ("5531_4.html", "尾页")]
    assert find_next_pages(url, links) == [url.replace(".html", f"_{n}.html") for n in (2, 3, 4)]
    assert find_next_pages(url.replace(".html", "_2.html"), links) == []


def test_listing_pagination_is_never_article_pages() -> None:
    items = "".join(
        f"<li><a href='/rw/2024/04{n:02d}/{5500 + n}.html'>古城保护第{n}项工作取得新进展</a> 2024-04-{n:02d}</li>"
        for n in range(1, 21)
    )
    pager = "<a href='index.html'>1</a> <a href='index_2.html'>2</a> <a href='index_3.html'>3</a> <a href='index_2.html'>下一页</a>"
    listing = f"<html><head><title>人文_示例网</title></head><body><ul>{items}</ul><div class='page'>{pager}</div></body></html>"
    for url in (
        "http://www.example.cn/rw/index.html",
        "http://www.example.cn/rw/",
        "http://www.example.cn/rw/list.html",
    ):
        record = parse_page(listing.encode(), url)
        assert record.status == "not_article"
        assert record.next_pages == []
    assert find_next_pages("http://www.example.cn/rw/index.html", [("index_2.html", "2")]) == []
    assert (
        find_next_pages("http://www.example.cn/rw/list.html?page=1", [("list.html?page=2", "2")])
        == []
    )


def test_article_beside_a_listing_pager_takes_none_of_it() -> None:
    url = "http://www.example.cn/rw/2024/0402/5531.html"
    more = "<div class='more'><a href='/rw/list_2.html'>下一页</a> <a href='/rw/index_2.html'>2</a> <a href='/rw/?page=2'>2</a></div>"
    record = parse_page(article("", more), url)
    assert record.status == "ok"
    assert record.next_pages == []
