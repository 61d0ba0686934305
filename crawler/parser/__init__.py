"""The pure parser: page bytes, URL and headers in, one ``Article`` record out (no Scrapy, no DB)."""

from __future__ import annotations

from .charset import decode_html
from .dates import ParsedDate, parse_date
from .errors import ParseError
from .multipage import find_next_pages, merge_pages
from .page import PARSER_VERSION, parse_page, parse_text
from .record import Article

__all__ = [
    "PARSER_VERSION",
    "Article",
    "ParseError",
    "ParsedDate",
    "decode_html",
    "find_next_pages",
    "merge_pages",
    "parse_date",
    "parse_page",
    "parse_text",
]
