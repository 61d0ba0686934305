"""The item the spider hands to the pipelines: a parsed article and how it was fetched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.parser.record import Article


@dataclass
class ArticleItem:
    """A parsed article (all its pages merged) ready to be stored."""

    article: Article
    fetched_at: datetime
