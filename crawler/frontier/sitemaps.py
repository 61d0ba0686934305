"""Sitemaps as start pages: the page URLs of a ``<urlset>`` or ``<sitemapindex>``, read safely.

No XML parser is involved: a regular expression over the text reads ``<loc>``
elements, so entity-expansion bombs and external entities in hostile sitemaps
are never expanded or fetched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urljoin

_ROOT = re.compile(r"<(?:\w+:)?(urlset|sitemapindex)\b", re.IGNORECASE)
_LOC = re.compile(r"<(?:\w+:)?loc>\s*(?:<!\[CDATA\[)?\s*([^<\]\s]+)", re.IGNORECASE)
_XML_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#\d+|\w+);")
_MAX_LOCS = 50_000  # the sitemap protocol's own limit per file
_XML_TYPES = ("xml", "text/plain")


def is_sitemap(text: str, headers: Mapping[str, str] | None = None) -> bool:
    """Whether a decoded document is a sitemap (XML urlset or sitemap index)."""
    content_type = ""
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            content_type = value.lower()
    if content_type and not any(kind in content_type for kind in _XML_TYPES):
        return False
    return _ROOT.search(text[:4096]) is not None


def sitemap_locs(text: str, base_url: str) -> list[str]:
    """The absolute http(s) URLs in a sitemap's ``<loc>`` elements, in order."""
    found = []
    for match in _LOC.finditer(text):
        loc = _unescape(match.group(1).strip())
        if loc is None:
            continue  # names a DTD entity: a sitemap that needs entity expansion is not read
        url = urljoin(base_url, loc)
        if url.startswith(("http://", "https://")):
            found.append(url)
            if len(found) >= _MAX_LOCS:
                break
    return found


def _unescape(value: str) -> str | None:
    """XML's predefined and numeric character references resolved; None for any other."""
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))  # noqa: FURB166 - "#x" is not a Python prefix
        if name.startswith("#"):
            return chr(int(name[1:]))
        if name in _XML_ENTITIES:
            return _XML_ENTITIES[name]
        unknown = True
        return ""

    try:
        result = _ENTITY.sub(replace, value)
    except (ValueError, OverflowError):
        return None
    return None if unknown else result
