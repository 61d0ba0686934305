"""Articles spread over several pages: finding pages 2..n and joining them into one record."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from .patterns import NEXT_PAGE_TEXT_RE
from .record import STATUS_NOT_ARTICLE, STATUS_OK, STATUS_PARTIAL, Article

PAGE_SUFFIX_RE = re.compile(r"^(?P<stem>.+?)_(?P<number>\d{1,3})(?P<ext>\.[A-Za-z]+)?$")
MAX_PAGES = 50


def _stem(path: str) -> tuple[str, str]:
    base, dot, ext = path.rpartition(".")
    if not dot or "/" in ext:
        return path, ""
    return base, "." + ext


def find_next_pages(url: str, links: list[tuple[str, str]]) -> list[str]:
    """Absolute URLs of pages 2..n of the article at ``url`` (``_2.html`` or 下一页 links)."""
    if not url:
        return []
    page = urlsplit(url)
    stem, ext = _stem(page.path)
    if PAGE_SUFFIX_RE.match(stem.rsplit("/", 1)[-1] + ext):
        return []  # already a continuation page
    numbered: dict[int, str] = {}
    for href, text in links:
        if href.startswith(("javascript:", "#", "mailto:")):
            continue
        target = urljoin(url, href)
        parts = urlsplit(target)
        if parts.netloc != page.netloc:
            continue
        found = PAGE_SUFFIX_RE.match(parts.path)
        if found and found.group("stem") == stem and (found.group("ext") or "") == ext:
            number = int(found.group("number"))
            if 2 <= number <= MAX_PAGES:
                numbered.setdefault(number, target.split("#")[0])
        elif NEXT_PAGE_TEXT_RE.match(text) and parts.path.startswith(stem) and target != url:
            numbered.setdefault(2, target.split("#")[0])
    return [numbered[number] for number in sorted(numbered)]


def merge_pages(first: Article, rest: list[Article]) -> Article:
    """One record for a multi-page article: page 1's metadata, every page's body and images."""
    bodies = [first.body] if first.body else []
    images = list(first.images)
    for page in rest:
        if page.body:
            bodies.append(page.body)
        images.extend(image for image in page.images if image not in images)
    merged = Article(
        url=first.url,
        title=first.title,
        published=first.published,
        published_raw=first.published_raw,
        source=first.source,
        authors=list(first.authors),
        editors=list(first.editors) or next((list(p.editors) for p in rest if p.editors), []),
        channel=first.channel,
        body="\n".join(bodies) or None,
        images=images,
        parser_version=first.parser_version,
        charset=first.charset,
        page_count=first.page_count + sum(page.page_count for page in rest),
        next_pages=[],
    )
    if first.status == STATUS_NOT_ARTICLE:
        merged.status = STATUS_NOT_ARTICLE
    else:
        merged.missing = [name for name in ("title", "published", "body") if not getattr(merged, name)]
        merged.status = STATUS_PARTIAL if merged.missing else STATUS_OK
    return merged
