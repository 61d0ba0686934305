"""Control characters out of every field: text from pages is data, never terminal commands."""

from __future__ import annotations

import re

from .record import Article

# C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069), which reorder what a terminal or a page shows.
CONTROL_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NEWLINE_RE = re.compile("\n")


def strip_controls(text: str | None, keep_newlines: bool = False) -> str | None:
    """``text`` without control characters (a newline only where ``keep_newlines``)."""
    if text is None:
        return None
    text = CONTROL_RE.sub("", text)
    return text if keep_newlines else NEWLINE_RE.sub(" ", text)


def clean_article(article: Article) -> Article:
    """Every text field of ``article`` without control characters; the body keeps its newlines."""
    article.title = strip_controls(article.title) or None
    article.published_raw = strip_controls(article.published_raw)
    article.source = strip_controls(article.source) or None
    article.channel = strip_controls(article.channel) or None
    article.body = strip_controls(article.body, keep_newlines=True) or None
    article.authors = [name for name in (strip_controls(n) or "" for n in article.authors) if name]
    article.editors = [name for name in (strip_controls(n) or "" for n in article.editors) if name]
    article.images = [
        {key: strip_controls(value) if isinstance(value, str) else value for key, value in image.items()}
        for image in article.images
    ]
    return article
