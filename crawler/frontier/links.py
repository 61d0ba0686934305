"""Which links on a page the crawl follows: in-site pages only, no static assets, each once."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string

_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE | re.DOTALL)
_BASE = re.compile(r"""<base\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_CONTINUATION = re.compile(r"_(?:[2-9]|[1-9]\d+)\.s?html?$")
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")


def registered_domain(host: str) -> str:
    """The part of a host name that covers a site and its channel subdomains."""
    host = host.lower().rstrip(".")
    if re.fullmatch(r"[\d.]+|\[[0-9a-f:]+\]", host):
        return host
    parts = host.split(".")
    # Two-level public suffixes common on Chinese sites (org.cn, com.cn, gov.cn, ...).
    if len(parts) >= 3 and parts[-2] in {"com", "org", "net", "gov", "edu", "ac"} and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


def page_links(html: str, base_url: str, encoding: str = "utf-8") -> Iterator[str]:
    """Absolute http(s) URLs of the ``<a href>`` links in a page, fragments dropped."""
    base = _BASE.search(html)
    base_url = urljoin(base_url, base.group(1)) if base else base_url
    for match in _HREF.finditer(html):
        href = (match.group(1) or match.group(2) or match.group(3) or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        if url.startswith(("http://", "https://")):
            yield safe_url_string(url, encoding=encoding)


def is_continuation_page(url: str) -> bool:
    """True for page 2..n of a multi-page article (``..._2.html``): stored with its page 1."""
    return _CONTINUATION.search(urlsplit(url).path) is not None


def is_asset(url: str) -> bool:
    """True for links to images, media, documents and other non-page files."""
    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    return dot > path.rfind("/") and path[dot:] in _skipped_extensions()


@functools.cache
def _skipped_extensions() -> frozenset[str]:
    # Imported here: the parse worker uses page_links only, and Scrapy costs it ~30 MB.
    from scrapy.linkextractors import IGNORED_EXTENSIONS

    return frozenset("." + ext for ext in IGNORED_EXTENSIONS) | {".xml", ".txt", ".json"}


def in_site(url: str, domains: Iterable[str]) -> bool:
    """True when the URL's host is one of the domains or below one of them."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)
