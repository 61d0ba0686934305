"""Every article of the bundled sample site parses exactly to the generator's truth."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest

from crawler.parser import Article, merge_pages, parse_page

sample_site = pytest.importorskip("crawler.sample_site")


@pytest.fixture(scope="module")
def site() -> Any:
    return sample_site.build_site()


def _parse(site: Any, url: str) -> Article:
    path = url[len(site.base_url) :]
    page = site.pages[path]
    return parse_page(page.body, url, dict(page.headers))


def _article(site: Any, path: str) -> Article:
    first = _parse(site, site.base_url + path)
    rest = [_parse(site, url) for url in first.next_pages]
    return merge_pages(first, rest) if rest else first


def test_every_article_matches_truth(site: Any) -> None:
    wrong: list[str] = []
    for path, truth in site.truth.items():
        article = _article(site, path)
        record = article.to_record()
        record["page_count"] = article.page_count
        for key, want in truth.items():
            if key == "images":  # the generator lists page-relative sources
                want = [dict(image, src=urljoin(site.base_url + path, image["src"])) for image in want]
            if record.get(key) != want:
                wrong.append(f"{path} {key}: want {want!r:.120} got {record.get(key)!r:.120}")
    assert not wrong, "\n".join(wrong)
    assert len(site.truth) >= 60


def test_variants_are_covered(site: Any) -> None:
    for variant in ("gbk", "no_seconds", "cn_date", "no_editor", "author_field", "two_authors",
                    "images", "multi_page"):
        assert site.variants.get(variant), f"sample site lost its {variant} variant"


def test_multi_page_article_is_one_record(site: Any) -> None:
    path = site.variants["multi_page"][0]
    first = _parse(site, site.base_url + path)
    assert first.next_pages and all("_" in url.rsplit("/", 1)[-1] for url in first.next_pages)
    merged = _article(site, path)
    assert merged.page_count == site.truth[path]["page_count"] > 1
    assert len(merged.body or "") > len(first.body or "")


def test_gbk_pages_decode_as_gb18030(site: Any) -> None:
    for path in site.variants["gbk"]:
        assert _parse(site, site.base_url + path).charset == "gb18030"


def test_non_article_pages(site: Any) -> None:
    for path in list(site.not_article_paths) + list(site.listing_paths)[:3] + ["/"]:
        assert _parse(site, site.base_url + path).status == "not_article", path
