"""Builds the sample site: every page as bytes and headers, plus the truth for each article.

``build_site(n_articles, seed)`` is deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import hashlib
import logging
import random
import struct
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from crawler.sample_site import phrases, render
from crawler.sample_site.compose import CST, NEWEST, ArticleSpec, compose_articles

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1"
LISTING_SIZE = 10
DISALLOWED_DIR = "/private/"
OFFSITE_LINKS = (
    ("http://news.example.com/", "新闻示例网"),
    ("https://www.example.org/zhuanti/index.html", "示例专题网"),
)
INFO_PAGES = {
    "/about.html": ("关于我们", phrases.ABOUT_PARAGRAPHS),
    "/contact.html": ("联系我们", ("电话: 010-68995855", "电子邮件: chinareport@foxmail.com")),
    "/legal.html": ("法律顾问", ("本网法律顾问:北京岳成律师事务所。",)),
    "/copyright.html": (
        "版权声明",
        ("凡本网注明“来源:中国报道”的作品,版权均属中国报道杂志社所有,未经授权不得转载。",),
    ),
}
SITE_UPDATED = datetime(2024, 6, 28, 21, 0, 0, tzinfo=CST)


@dataclass(frozen=True)
class Page:
    """One response of the site: status, headers (repeats allowed) and the body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


@dataclass
class SampleSite:
    """A generated chinareport-style site and what a perfect crawl would find in it."""

    pages: dict[str, Page]
    truth: dict[str, dict[str, Any]]
    home_path: str = "/"
    disallowed_paths: list[str] = field(default_factory=list)
    not_article_paths: list[str] = field(default_factory=list)
    broken_paths: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)  # path -> target path (302)
    listing_paths: list[str] = field(default_factory=list)
    asset_paths: list[str] = field(default_factory=list)
    offsite_urls: list[str] = field(default_factory=list)
    continuation_paths: dict[str, str] = field(default_factory=dict)  # page 2+ -> page 1 path
    variants: dict[str, list[str]] = field(default_factory=dict)  # variant -> article paths
    base_url: str = DEFAULT_BASE_URL

    def with_base_url(self, base_url: str) -> SampleSite:
        """A copy whose robots.txt and sitemap.xml carry absolute URLs under ``base_url``."""
        base_url = base_url.rstrip("/")
        pages = dict(self.pages)
        pages["/robots.txt"] = _text_page(
            render.robots_txt(base_url, [DISALLOWED_DIR]), "text/plain", SITE_UPDATED
        )
        sitemap_entries = [(self.home_path, SITE_UPDATED.date().isoformat())]
        sitemap_entries += [(path, t["published"][:10]) for path, t in self.truth.items()]
        pages["/sitemap.xml"] = _text_page(
            render.sitemap_xml(base_url, sitemap_entries), "application/xml", SITE_UPDATED
        )
        return replace(self, pages=pages, base_url=base_url)

    def write_to(self, directory: str | Path) -> int:
        """Write every 200 page as a static file under ``directory`` (``/`` -> index.html)."""
        root = Path(directory)
        written = 0
        for path, page in self.pages.items():
            if page.status != 200 or "?" in path:
                continue
            relative = path.lstrip("/")
            if not relative or relative.endswith("/"):
                relative += "index.html"
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.body)
            written += 1
        logger.info("wrote %d sample-site files to %s", written, root)
        return written


def _http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _etag(body: bytes) -> str:
    return '"' + hashlib.md5(body, usedforsecurity=False).hexdigest()[:20] + '"'


def _page(body: bytes, content_type: str, modified: datetime, *extra: tuple[str, str]) -> Page:
    headers = [
        ("Content-Type", content_type),
        ("Last-Modified", _http_date(modified)),
        ("ETag", _etag(body)),
        *extra,
    ]
    return Page(200, headers, body)


def _text_page(text: str, content_type: str, modified: datetime) -> Page:
    return _page(text.encode("utf-8"), f"{content_type}; charset=utf-8", modified)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid single-colour PNG, so the site's images are real images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        payload = kind + data
        return struct.pack(">I", len(data)) + payload + struct.pack(">I", zlib.crc32(payload))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def _listing_item(spec: ArticleSpec) -> tuple[str, str, str]:
    return spec.path, spec.title, spec.published.strftime("%Y-%m-%d")


def _article_pages(
    spec: ArticleSpec, specs: list[ArticleSpec], seed: int, links_per_page: int | None
) -> dict[str, Page]:
    """Every page of one article, related links filled to ``links_per_page`` if given."""
    rng = random.Random(f"related-{seed}-{spec.article_id}")
    out: dict[str, Page] = {}
    for page_no in range(1, len(spec.pages) + 1):
        html = render.article_page(spec, page_no)
        if links_per_page is None:
            wanted = 6
        else:
            wanted = max(0, links_per_page - html.count("<a "))
        others = [s for s in rng.sample(specs, min(len(specs), wanted + 1)) if s is not spec]
        related = [(s.path, s.title) for s in others[:wanted]]
        html = html.replace(render.RELATED_PLACEHOLDER, render.related_block(related))
        if spec.gbk:
            body = html.encode("gbk")
            content_type = "text/html; charset=gb2312" if spec.charset_in_header else "text/html"
        else:
            body = html.encode("utf-8")
            content_type = "text/html; charset=utf-8"
        out[spec.page_path(page_no)] = _page(body, content_type, spec.published)
    return out


def build_site(
    n_articles: int = 64,
    seed: int = 0,
    *,
    links_per_page: int | None = None,
    listing_size: int = LISTING_SIZE,
) -> SampleSite:
    """Generate the site: ``n_articles`` articles (at least 12), listings, home, extras."""
    if n_articles < 12:
        raise ValueError("the sample site needs at least 12 articles to hold every variant")
    specs = compose_articles(n_articles, seed)
    newest_first = sorted(specs, key=lambda s: s.published, reverse=True)
    pages: dict[str, Page] = {}
    truth: dict[str, dict[str, Any]] = {}
    variants: dict[str, list[str]] = {}
    continuation: dict[str, str] = {}
    assets: list[str] = []
    png = _png(64, 40, (200, 60, 40))
    for spec in newest_first:
        pages.update(_article_pages(spec, specs, seed, links_per_page))
        truth[spec.path] = spec.truth()
        for variant in spec.variants:
            variants.setdefault(variant, []).append(spec.path)
        for page_no in range(2, len(spec.pages) + 1):
            continuation[spec.page_path(page_no)] = spec.path
        for src in spec.image_srcs():
            pages[src] = _page(png, "image/png", spec.published)
            assets.append(src)

    by_channel = {slug: [s for s in newest_first if s.channel == slug] for slug in phrases.CHANNELS}
    # Planted links: a deleted article (404), a robots-disallowed page, an old URL (302).
    broken = f"/xiangcun/2023/1231/{specs[0].article_id - 1000}.html"
    disallowed = f"{DISALLOWED_DIR}2024/0101/neibu.html"
    redirect_target = by_channel["jingji"][0]
    old_url = f"/a/{redirect_target.published:%Y%m%d}/{redirect_target.article_id}.shtml"
    planted = {
        "xiangcun": (broken, "往期稿件:乡村振兴典型案例汇编", "2023-12-31"),
        "shizheng": (disallowed, "内部通知:2024年度工作安排", "2024-01-01"),
        "jingji": (old_url, redirect_target.title, redirect_target.published.strftime("%Y-%m-%d")),
    }
    listing_paths: list[str] = []
    for slug, channel_specs in by_channel.items():
        page_count = max(1, -(-len(channel_specs) // listing_size))
        for page_no in range(1, page_count + 1):
            chunk = channel_specs[(page_no - 1) * listing_size : page_no * listing_size]
            items = [_listing_item(s) for s in chunk]
            if page_no == 1 and slug in planted:
                items.insert(min(3, len(items)), planted[slug])
            path = render.channel_index_path(slug, page_no)
            html = render.listing_page(slug, page_no, page_count, items)
            modified = chunk[0].published if chunk else SITE_UPDATED
            pages[path] = _page(html.encode("utf-8"), "text/html; charset=utf-8", modified)
            listing_paths.append(path)

    home = render.home_page(
        [_listing_item(s) for s in newest_first[:20]],
        {slug: [_listing_item(s) for s in items[:6]] for slug, items in by_channel.items()},
        OFFSITE_LINKS,
    )
    pages["/"] = _page(
        home.encode("utf-8"),
        "text/html; charset=utf-8",
        NEWEST,
        ("Set-Cookie", "PHPSESSID=sample0session; path=/; HttpOnly"),
        ("Set-Cookie", "visitor_region=cn; path=/; Max-Age=86400"),
    )
    for path, (title, paragraphs) in INFO_PAGES.items():
        html = render.info_page(title, paragraphs)
        pages[path] = _page(html.encode("utf-8"), "text/html; charset=utf-8", SITE_UPDATED)
    private = render.info_page("内部通知", ("本页面仅供内部查阅,请勿抓取。",))
    pages[disallowed] = _page(private.encode("utf-8"), "text/html; charset=utf-8", SITE_UPDATED)
    redirect_body = b"<html><body><h1>302 Found</h1></body></html>\n"
    pages[old_url] = Page(
        302,
        [("Location", redirect_target.path), ("Content-Type", "text/html; charset=utf-8")],
        redirect_body,
    )
    pages[render.CSS_PATH] = _text_page(render.STYLESHEET, "text/css", SITE_UPDATED)
    pages[render.LOGO_PATH] = _page(_png(120, 40, (179, 0, 0)), "image/png", SITE_UPDATED)
    assets[:0] = [render.CSS_PATH, render.LOGO_PATH]

    site = SampleSite(
        pages=pages,
        truth=truth,
        disallowed_paths=[disallowed],
        not_article_paths=list(INFO_PAGES),
        broken_paths=[broken],
        redirects={old_url: redirect_target.path},
        listing_paths=listing_paths,
        asset_paths=assets,
        offsite_urls=[url for url, _ in OFFSITE_LINKS],
        continuation_paths=continuation,
        variants=variants,
    )
    return site.with_base_url(DEFAULT_BASE_URL)
