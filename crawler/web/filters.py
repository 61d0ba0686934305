"""Template filters: readable times, and links to original URLs only when they are http(s)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from pipelines.normalise import SHANGHAI


def when(value: str | None) -> str:
    """An ISO 8601 time in Beijing time as ``2024-02-26 11:33``; a bare date as it is."""
    if not value:
        return ""
    text = str(value)
    if "T" not in text:
        return text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%d %H:%M")


def web_url(value: str | None) -> str | None:
    """The URL if it is an absolute http or https URL (never ``javascript:`` and the like)."""
    if not value:
        return None
    text = str(value).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(c) < 0x20 or c in "\"'<> " for c in text):
        return None
    return text


def search_link(**params: Any) -> str:
    """A search page URL for one filter (``author=...``)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/?{query}" if query else "/"


FILTERS: dict[str, Callable[..., Any]] = {"when": when, "web_url": web_url}
GLOBALS: dict[str, Callable[..., Any]] = {"search_link": search_link}
