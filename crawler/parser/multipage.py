"""Articles spread over several pages: finding pages 2..n and joining them into one record."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .patterns import NEXT_PAGE_TEXT_RE
from .record import STATUS_NOT_ARTICLE, STATUS_OK, STATUS_PARTIAL, Article

PAGE_SUFFIX_RE = re.compile(r"^(?P<stem>.+?)_(?P<number>\d{1,3})(?P<ext>\.[A-Za-z]+)?$")
# Query parameters that number the pages of one article (``?page=2``, ``&p=3``).
PAGE_PARAMS = frozenset(
    {"page", "p", "pg", "pn", "pageno", "page_no", "pagenum", "curpage", "currentpage", "pageindex"}
)
# A pager link: its number, 下一页 or 尾页 (``[2]``, ``第2页``).
PAGER_TEXT_RE = re.compile(
    r"^\s*(?:[\[【(（]?\s*第?\s*\d{1,3}\s*页?\s*[\]】)）]?|下一页|下页|尾页|末页|最后一页|next|last)\s*[>»›]*\s*$",
    re.IGNORECASE,
)
# File names of listings, whose numbered pages are more listings, never article pages.
LISTING_STEM_RE = re.compile(
    r"(?:^|/)(?:index|list|default|more|node|column|channel)(?:[_-][A-Za-z0-9]*)?$", re.IGNORECASE
)
LAST_NUMBER_RE = re.compile(r"^(?P<head>.*\D)(?P<number>\d{1,3})(?P<ext>\.[A-Za-z]+)$")
MAX_PAGES = 50


def _stem(path: str) -> tuple[str, str]:
    base, dot, ext = path.rpartition(".")
    if not dot or "/" in ext:
        return path, ""
    return base, "." + ext


def _page_query(query: str) -> tuple[str, int] | None:
    """The page parameter of a query and its number (``page=2`` gives ``("page", 2)``)."""
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() in PAGE_PARAMS and value.isdigit():
            return key, int(value)
    return None


def _without_param(query: str, name: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != name]


def _is_continuation(page: SplitResult) -> bool:
    stem, ext = _stem(page.path)
    if PAGE_SUFFIX_RE.match(stem.rsplit("/", 1)[-1] + ext):
        return True
    found = _page_query(page.query)
    return found is not None and found[1] > 1


def _template(page: SplitResult, target: SplitResult, text: str) -> tuple[str, int] | None:
    """How ``target`` numbers a page of the article at ``page``: a URL template with ``{n}`` and n."""
    stem, ext = _stem(page.path)
    found = PAGE_SUFFIX_RE.match(target.path)
    if (
        found
        and found.group("stem") == stem
        and (found.group("ext") or "") == ext
        and target.query == page.query
    ):
        return urlunsplit(
            (target.scheme, target.netloc, stem + "_{n}" + ext, target.query, "")
        ), int(found.group("number"))
    pager_text = bool(PAGER_TEXT_RE.match(text or ""))
    if target.path == page.path and pager_text:
        query = _page_query(target.query)
        if query and _without_param(target.query, query[0]) == _without_param(page.query, query[0]):
            rest = urlencode(_without_param(target.query, query[0]))
            template = urlunsplit(
                (
                    target.scheme,
                    target.netloc,
                    target.path,
                    (rest + "&" if rest else "") + query[0] + "={n}",
                    "",
                )
            )
            return template, query[1]
    # content-6-4521-1.html -> content-6-4521-2.html: only the last number changes.
    here, there = LAST_NUMBER_RE.match(page.path), LAST_NUMBER_RE.match(target.path)
    if (
        pager_text
        and here
        and there
        and here.group("number") == "1"
        and here.group("head") == there.group("head")
        and here.group("ext") == there.group("ext")
        and target.query == page.query
    ):
        path = there.group("head") + "{n}" + there.group("ext")
        return urlunsplit((target.scheme, target.netloc, path, target.query, "")), int(
            there.group("number")
        )
    return None


def find_next_pages(url: str, links: list[tuple[str, str]]) -> list[str]:
    """Absolute URLs of pages 2..n of the article at ``url``.

    Pages are numbered as ``_2.html``, ``?page=2`` (or ``&p=2``…) or by the last
    number of the file name (``content-6-4521-2.html`` after ``…-1.html``); a pager
    that shows ``1 2 3 … 9 下一页 尾页`` gives every page up to the last. Listing
    pages (``index_2.html``, ``list_2.html``) and continuation pages give none.
    """
    if not url:
        return []
    page = urlsplit(url)
    stem, _ext = _stem(page.path)
    if _is_continuation(page) or LISTING_STEM_RE.search(stem) or page.path.endswith("/"):
        return []
    numbers: dict[str, set[int]] = {}
    order: list[str] = []
    next_link: str | None = None
    # Only a link named like this page plus _N, or with pager text, can be one of its pages:
    # the others (most of a page's links) are not resolved at all.
    name = stem.rsplit("/", 1)[-1] + "_"
    by_name = name.isascii() and "%" not in name
    for href, text in links:
        if href.startswith(("javascript:", "#", "mailto:")):
            continue
        if by_name and name not in href and not PAGER_TEXT_RE.match(text or "") and not (
            NEXT_PAGE_TEXT_RE.match(text or "")
        ):
            continue
        target_url = urljoin(url, href).split("#")[0]
        target = urlsplit(target_url)
        if target.netloc != page.netloc or target_url == url:
            continue
        found = _template(page, target, text)
        if found is not None:
            template, number = found
            if 2 <= number <= MAX_PAGES:
                if template not in numbers:
                    numbers[template] = set()
                    order.append(template)
                numbers[template].add(number)
        elif next_link is None and NEXT_PAGE_TEXT_RE.match(text) and target.path.startswith(stem):
            next_link = target_url
    if order:
        template = max(order, key=lambda key: len(numbers[key]))
        last = max(numbers[template])
        return [template.replace("{n}", str(number)) for number in range(2, last + 1)]
    return [next_link] if next_link else []


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
        merged.missing = [
            name for name in ("title", "published", "body") if not getattr(merged, name)
        ]
        merged.status = STATUS_PARTIAL if merged.missing else STATUS_OK
    return merged
