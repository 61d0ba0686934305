"""The parser's output record: one ``Article`` per page, with the DESIGN.md keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUS_OK = "ok"
STATUS_PARTIAL = "partial"
STATUS_NOT_ARTICLE = "not_article"

# Fields whose absence makes an article "partial".
REQUIRED_FIELDS = ("title", "published", "body")

RECORD_KEYS = (
    "url",
    "title",
    "published",
    "source",
    "authors",
    "editors",
    "channel",
    "body",
    "images",
    "status",
    "parser_version",
)


@dataclass
class Article:
    """What the parser found on one page (or several pages of one article)."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601 with offset, or a bare date
    published_raw: str | None = None  # the date string as the page shows it
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    channel: str | None = None
    body: str | None = None  # plain text, one paragraph a line
    images: list[dict[str, str | None]] = field(default_factory=list)
    status: str = STATUS_NOT_ARTICLE
    missing: list[str] = field(default_factory=list)
    parser_version: str = ""
    charset: str | None = None
    page_count: int = 1
    next_pages: list[str] = field(default_factory=list)  # absolute URLs of pages 2..n

    def to_record(self) -> dict[str, Any]:
        """The JSON record of DESIGN.md (``missing`` only on partial records)."""
        record: dict[str, Any] = {key: getattr(self, key) for key in RECORD_KEYS}
        record["authors"] = list(self.authors)
        record["editors"] = list(self.editors)
        record["images"] = [dict(image) for image in self.images]
        if self.status == STATUS_PARTIAL:
            record["missing"] = list(self.missing)
        return record
