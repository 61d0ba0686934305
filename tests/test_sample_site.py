"""Tests for the sample-site generator: determinism, counts, truth vs pages, links, robots."""

from __future__ import annotations

import re
import time
from collections import Counter
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree
from protego import Protego

from crawler.sample_site import SampleSite, build_site

HREF = re.compile(rb'<a href="([^"]+)"')
SEED_PATH_RE = re.compile(r"^/xiangcun/2024/0226/\d+\.html$")


@pytest.fixture(scope="module")
def site() -> SampleSite:
    return build_site()


def decoded(site: SampleSite, path: str) -> str:
    body = site.pages[path].body
    return body.decode("gb18030" if b"charset=gb2312" in body[:400] else "utf-8")


def page_text(site: SampleSite, path: str) -> str:
    """The visible text of a page: tags dropped, entities and indents undone."""
    return unescape(re.sub(r"<[^>]+>", "", decoded(site, path))).replace("\u3000", "")


def all_pages_of(site: SampleSite, path: str) -> list[str]:
    extra = sorted(p for p, first in site.continuation_paths.items() if first == path)
    return [path, *extra]


def test_same_arguments_give_the_same_bytes() -> None:
    one, two = build_site(64, 0), build_site(64, 0)
    assert one.truth == two.truth
    assert one.pages == two.pages


def test_another_seed_gives_other_articles(site: SampleSite) -> None:
    other = build_site(64, 1)
    [seed_path] = site.variants["seed"]
    shared = {t["body"] for t in site.truth.values()} & {t["body"] for t in other.truth.values()}
    assert shared == {site.truth[seed_path]["body"]}


def test_counts_channels_and_pagination(site: SampleSite) -> None:
    assert len(site.truth) >= 60
    channels = Counter(t["channel"] for t in site.truth.values())
    assert len(channels) >= 4 and min(channels.values()) >= 5
    assert "/xiangcun/index_3.html" in site.pages
    assert "/xiangcun/index_3.html" in site.listing_paths


def test_bodies_and_titles_are_distinct(site: SampleSite) -> None:
    bodies = [t["body"] for t in site.truth.values()]
    titles = [t["title"] for t in site.truth.values()]
    assert len(set(bodies)) == len(bodies)
    assert len(set(titles)) == len(titles)
    assert all(len(b) > 1000 for b in bodies)


def test_seed_article_truth(site: SampleSite) -> None:
    [path] = site.variants["seed"]
    assert SEED_PATH_RE.match(path)
    truth = site.truth[path]
    assert truth["title"] == "2024年东莞厚街重点发力“三大行动”“三大工程”"
    assert truth["published"] == "2024-02-26T11:33:41+08:00"
    assert (truth["source"], truth["channel"]) == ("中国报道", "乡村")
    assert (truth["authors"], truth["editors"]) == (["黄楚芳"], ["陈伟赞"])
    assert truth["body"].startswith("中国报道讯(黄楚芳 报道)近日,中国共产党厚街镇")
    assert truth["body"].endswith("确保企业群众办事顺畅便捷。")
    assert "供稿" not in truth["body"] and "责任编辑" not in truth["body"]
    text = page_text(site, path)
    assert "位置:当前位置:首页 >> 乡村" in text
    assert "发布时间:2024-02-26 11:33:41 推广 来源:中国报道" in text
    assert "确保企业群众办事顺畅便捷。(供稿/供图厚街宣教办)" in text
    assert "责任编辑:陈伟赞" in text


@pytest.mark.parametrize(
    "variant",
    [
        "gbk", "gbk_only_chars", "no_seconds", "cn_date", "date_only", "no_editor",
        "author_field", "two_authors", "images", "multi_page", "wire_lead", "fullwidth",
        "credit", "no_charset_header",
    ],
)  # fmt: skip
def test_every_variant_is_present(site: SampleSite, variant: str) -> None:
    assert site.variants.get(variant), variant
    assert all(path in site.truth for path in site.variants[variant])


def test_truth_matches_what_the_pages_show(site: SampleSite) -> None:
    for path, truth in site.truth.items():
        texts = [page_text(site, p) for p in all_pages_of(site, path)]
        joined = "\n".join(texts)
        assert len(texts) == truth["page_count"]
        assert truth["title"] in texts[0]
        assert f"首页 >> {truth['channel']}" in texts[0]
        for line in truth["body"].split("\n"):
            assert line in joined, (path, line)
        for editor in truth["editors"]:
            assert re.search(f"责任编辑[:\uff1a]{editor}", joined)
        if not truth["editors"]:
            assert "责任编辑" not in joined
        for image in truth["images"]:
            assert site.pages[image["src"]].body.startswith(b"\x89PNG")
            assert f'<img src="{image["src"]}"' in decoded(site, path)
            assert image["caption"] in texts[0]
            assert image["caption"] not in truth["body"]


def test_date_variants_render_as_named(site: SampleSite) -> None:
    def time_line(path: str) -> str:
        return re.search(r'<div class="time">(.*?)</div>', decoded(site, path)).group(1)

    [no_seconds, *_] = site.variants["no_seconds"]
    assert re.search(r"发布时间[:\uff1a]\d{4}-\d\d-\d\d \d\d:\d\d <", time_line(no_seconds))
    assert site.truth[no_seconds]["published"].endswith(":00+08:00")
    [cn_date, *_] = site.variants["cn_date"]
    assert re.search(r"发布时间[:\uff1a]\d{4}年\d\d月\d\d日 \d\d:\d\d <", time_line(cn_date))
    [date_only] = site.variants["date_only"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", site.truth[date_only]["published"])
    [author_field, *_] = site.variants["author_field"]
    names = " ".join(site.truth[author_field]["authors"])
    assert re.search(f"作者[:\uff1a]{names}", time_line(author_field))
    assert names not in site.truth[author_field]["body"]


def test_gbk_pages_declare_gb2312_and_need_gb18030(site: SampleSite) -> None:
    gbk = site.variants["gbk"]
    assert len(gbk) * 4 >= len(site.truth) - 4
    for path in gbk:
        body = site.pages[path].body
        assert b'content="text/html; charset=gb2312"' in body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
    for path in site.variants["gbk_only_chars"]:
        with pytest.raises(UnicodeDecodeError):
            site.pages[path].body.decode("gb2312")
        assert site.truth[path]["authors"][0] in site.pages[path].body.decode("gb18030")
    for path in site.variants["no_charset_header"]:
        assert site.pages[path].header("Content-Type") == "text/html"


def test_multi_page_article_links_its_pages(site: SampleSite) -> None:
    [first, *_] = site.variants["multi_page"]
    pages = all_pages_of(site, first)
    assert len(pages) == 2 and pages[1].endswith("_2.html")
    assert site.truth[first]["page_count"] == 2
    html = decoded(site, first)
    assert re.search(r'<a href="[^"]*_2\.html">下一页</a>', html)
    assert pages[1] not in site.truth


def crawl_links(site: SampleSite) -> tuple[set[str], set[str]]:
    """Follow every in-site link from ``/`` like a polite crawler; return (fetched, seen urls)."""
    base = "http://127.0.0.1"
    robots = Protego.parse(site.pages["/robots.txt"].body.decode())
    seen: set[str] = set()
    fetched: set[str] = set()
    queue = [site.home_path]
    while queue:
        path = queue.pop()
        if path in fetched:
            continue
        fetched.add(path)
        page = site.pages.get(path)
        if page is None:
            continue
        if page.status == 302:
            queue.append(page.header("Location") or "")
            continue
        for href in HREF.findall(page.body):
            url = urljoin(base + path, href.decode())
            seen.add(url)
            parts = urlsplit(url)
            if parts.netloc == "127.0.0.1" and robots.can_fetch(url, "chinareport"):
                queue.append(parts.path)
    return fetched, seen


def test_every_article_is_reachable_from_home(site: SampleSite) -> None:
    fetched, seen = crawl_links(site)
    assert set(site.truth) <= fetched
    assert set(site.continuation_paths) <= fetched
    assert set(site.not_article_paths) <= fetched
    for planted in (*site.disallowed_paths, *site.broken_paths, *site.redirects):
        assert "http://127.0.0.1" + planted in seen  # linked, so a crawler meets it
    assert not set(site.disallowed_paths) & fetched
    assert set(site.broken_paths) <= fetched and not set(site.broken_paths) & set(site.pages)
    assert set(site.offsite_urls) <= seen
    assert not {p for p in fetched if p.startswith("http")}


def test_redirect_points_at_an_article(site: SampleSite) -> None:
    [(old, target)] = site.redirects.items()
    assert site.pages[old].status == 302
    assert site.pages[old].header("Location") == target
    assert target in site.truth


def test_robots_and_sitemap(site: SampleSite) -> None:
    bound = site.with_base_url("http://127.0.0.1:8123")
    robots = Protego.parse(bound.pages["/robots.txt"].body.decode())
    for path in site.disallowed_paths:
        assert not robots.can_fetch("http://127.0.0.1:8123" + path, "chinareport")
    assert robots.can_fetch("http://127.0.0.1:8123/xiangcun/index.html", "chinareport")
    assert list(robots.sitemaps) == ["http://127.0.0.1:8123/sitemap.xml"]
    tree = etree.fromstring(bound.pages["/sitemap.xml"].body)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {loc.text for loc in tree.findall("s:url/s:loc", ns)}
    assert {"http://127.0.0.1:8123" + p for p in site.truth} <= locs
    assert not {"http://127.0.0.1:8123" + p for p in site.disallowed_paths} & locs
    assert bound.truth is site.truth and "8123" not in site.pages["/robots.txt"].body.decode()


def test_home_sets_two_cookies_and_pages_carry_validators(site: SampleSite) -> None:
    assert [k for k, _ in site.pages["/"].headers].count("Set-Cookie") == 2
    for path in (*site.truth, *site.listing_paths, *site.asset_paths):
        page = site.pages[path]
        assert page.header("ETag") and page.header("Last-Modified")
    assert site.pages["/static/css/style.css"].header("Content-Type").startswith("text/css")


def test_write_to_writes_static_files(site: SampleSite, tmp_path: Path) -> None:
    written = site.write_to(tmp_path)
    assert written == sum(1 for page in site.pages.values() if page.status == 200)
    assert (tmp_path / "index.html").read_bytes() == site.pages["/"].body
    some = next(iter(site.truth))
    assert (tmp_path / some.lstrip("/")).read_bytes() == site.pages[some].body
    assert not (tmp_path / next(iter(site.redirects)).lstrip("/")).exists()


def test_large_sites_are_fast_and_sized_for_the_benchmark() -> None:
    started = time.perf_counter()
    big = build_site(2000, links_per_page=43)
    assert time.perf_counter() - started < 15
    articles = [big.pages[p] for p in big.truth]
    mean_size = sum(len(p.body) for p in articles) / len(articles)
    assert 9_000 < mean_size < 13_000
    gbk_share = len(big.variants["gbk"]) / len(big.truth)
    assert 0.2 < gbk_share < 0.3
    links = sorted(p.body.count(b"<a ") for p in articles)
    assert links[len(links) // 2] == 43
    assert len(big.truth) == 2000 and len({t["body"] for t in big.truth.values()}) == 2000
    started = time.perf_counter()
    assert len(build_site(1000).truth) == 1000
    assert time.perf_counter() - started < 10
