"""What a listing page shows: the date beside each link, and its page navigation.

Plain regular expressions over the page's text, no database: the parse worker reads
these and the incremental policy (``crawler.frontier.incremental``) decides with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

# One list entry of a listing page: an <li>, <tr>, <dd> or <p> holding a link and a date.
_ENTRY = re.compile(r"<(li|tr|dd|p)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_DATE = re.compile(r"(20\d\d|19\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_ANCHOR = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)[^>]*>(.*?)</a\s*>""", re.IGNORECASE | re.DOTALL)
_PAGE_TEXT = re.compile(r"^\s*(\d{1,4}|首页|上一页|下一页|尾页|末页|prev|next|[<>‹›«»]+)\s*$", re.IGNORECASE)
_NEXT_TEXT = re.compile(r"^\s*(下一页|next|[>›»])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Pagination:
    """The page-navigation links of a listing, and which one is "next"."""

    links: frozenset[str]
    next: str | None


def pagination(html: str, base_url: str) -> Pagination:
    """Links whose text is a page number or 首页/上一页/下一页/尾页 (and the 下一页 one)."""
    links: set[str] = set()
    following: str | None = None
    for match in _ANCHOR.finditer(html):
        label = re.sub(r"<[^>]+>", "", match.group(2))
        if not _PAGE_TEXT.match(label):
            continue
        url = urljoin(base_url, match.group(1)).split("#", 1)[0]
        links.add(url)
        if following is None and _NEXT_TEXT.match(label):
            following = url
    return Pagination(frozenset(links), following)


def listing_dates(html: str, base_url: str) -> dict[str, date]:
    """The date a listing shows beside each link it dates (first link of an entry)."""
    found: dict[str, date] = {}
    for entry in _ENTRY.finditer(html):
        body = entry.group(2)
        href, when = _HREF.search(body), _DATE.search(re.sub(r"<[^>]+>", " ", body))
        if not href or not when:
            continue
        try:
            day = date(int(when.group(1)), int(when.group(2)), int(when.group(3)))
        except ValueError:
            continue
        url = urljoin(base_url, href.group(1)).split("#", 1)[0]
        found.setdefault(url, day)
    return found
