"""``parse_page``: raw bytes, URL and headers in, one ``Article`` out; never raises."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from lxml import etree

from .body import Body, choose_container, comment_blocks, extract_body
from .charset import decode_html
from .controls import clean_article
from .errors import ParseError
from .fields import find_authors, find_channel, find_editors, find_published, find_title
from .labels import collect
from .multipage import find_next_pages
from .patterns import NON_ARTICLE_TITLES_RE
from .record import STATUS_NOT_ARTICLE, STATUS_OK, STATUS_PARTIAL, Article
from .sources import find_source
from .tree import Document, read_document
from .zones import make_zones

logger = logging.getLogger(__name__)

PARSER_VERSION = "2.2.0"
MIN_ARTICLE_CHARS = 40


def _title_limit(doc: Document, container: etree._Element | None) -> int:
    # The title comes before the body: look for it above the densest block.
    body = extract_body(doc.lines, "", container=container)
    return body.start + 1 if body.lines else len(doc.lines)


def read_article(doc: Document, url: str) -> Article:
    """Every field of one decoded document."""
    article = Article(url=url, parser_version=PARSER_VERSION)
    if not doc.lines:
        return article
    comments = comment_blocks(doc.root)
    container = choose_container(doc.lines, comments)
    limit = _title_limit(doc, container)
    title, title_line = find_title(doc, limit)
    body = extract_body(doc.lines, url, title_line, container, comments)
    zones = make_zones(doc, title_line, body)
    hits = {name: collect(doc.lines, getattr(zones, name)) for name in ("head", "inner", "tail", "before")}
    published, date_line = find_published(doc, zones, hits, url)
    article.title = title
    if published is not None:
        article.published = published.iso()
        article.published_raw = published.raw
    article.authors = find_authors(doc, zones, hits, body.texts)
    article.source = find_source(doc, zones, hits, date_line, published, article.authors)
    article.editors = find_editors(hits, body.lines[-1].text if body.lines else "")
    article.channel = find_channel(doc, title_line if title_line > 0 else limit, title)
    article.body = "\n".join(body.texts) or None
    article.images = body.images
    _classify(article, body)
    # A listing's numbered pages are more listings, never pages of an article.
    if article.status != STATUS_NOT_ARTICLE:
        article.next_pages = find_next_pages(url, doc.links)
    return article


def _classify(article: Article, body: Body) -> None:
    title = (article.title or "").strip()
    has_metadata = bool(article.published or article.source or article.authors or article.editors)
    if (
        body.prose_chars < MIN_ARTICLE_CHARS
        or NON_ARTICLE_TITLES_RE.match(title)
        or not (has_metadata and (article.published or title))
    ):
        article.status = STATUS_NOT_ARTICLE
        return
    article.missing = [name for name in ("title", "published", "body") if not getattr(article, name)]
    article.status = STATUS_PARTIAL if article.missing else STATUS_OK


def parse_page(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> Article:
    """Parse one page's raw bytes; unreadable input gives a ``not_article`` record."""
    try:
        text, charset = decode_html(body or b"", headers)
    except (ParseError, ValueError, TypeError, MemoryError) as exc:
        logger.warning("could not decode %s: %s", url, exc)
        return Article(url=url, parser_version=PARSER_VERSION)
    return parse_text(text, charset, url)


def parse_text(text: str, charset: str | None, url: str) -> Article:
    """Parse a page already decoded (with the charset ``decode_html`` chose); never raises."""
    try:
        article = read_article(read_document(text), url)
    except (ParseError, RecursionError, ValueError, TypeError, MemoryError) as exc:
        reason = exc.reason if isinstance(exc, ParseError) else f"{type(exc).__name__}: {exc}"
        logger.warning("could not parse %s: %s", url, reason)
        article = Article(url=url, parser_version=PARSER_VERSION)
    article.charset = charset
    return clean_article(article)


__all__ = ["PARSER_VERSION", "parse_page", "parse_text", "read_article"]
