"""The query string of a search, read and checked once for the pages and the JSON API alike.

The parameters are those of ``chinareport query``: ``q``, ``author``, ``editor``, ``source``,
``channel``, ``since``, ``until``, ``status``, then ``limit``/``offset`` (API) or ``page`` (pages).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from crawler.web.errors import BadParameter
from pipelines.errors import StoreError
from pipelines.query import parse_bound

TEXT_FILTERS = ("author", "editor", "source", "channel")
DATE_FILTERS = ("since", "until")
FILTERS = (*TEXT_FILTERS, *DATE_FILTERS, "status")
STATUSES = ("ok", "partial", "not_article")
API_PARAMS = ("q", *FILTERS, "limit", "offset")
PAGE_PARAMS = ("q", *FILTERS, "page")
PAGE_SIZE = 20
DEFAULT_LIMIT = 50  # as `chinareport query`
MAX_LIMIT = 1000
MAX_PAGE = 10_000
MAX_TEXT = 200
_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Search:
    """A checked search: keyword text, filters, and which slice of the results."""

    text: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    limit: int = PAGE_SIZE
    offset: int = 0

    @property
    def page(self) -> int:
        """The 1-based page number of a page search."""
        return self.offset // PAGE_SIZE + 1

    def args(self) -> dict[str, str]:
        """The non-empty parameters that make this search (for links; without the page)."""
        out = {"q": self.text} if self.text else {}
        out.update({k: v for k, v in self.filters.items() if v})
        return out

    def url(self, page: int = 1, changes: Mapping[str, str | None] | None = None) -> str:
        """The search page URL of this search with some parameters changed (None drops one)."""
        args: dict[str, Any] = {**self.args(), **(changes or {})}
        if page > 1:
            args["page"] = page
        query = urlencode({k: v for k, v in args.items() if v})
        return f"/?{query}" if query else "/"


def _one(params: Mapping[str, Any], name: str) -> str | None:
    getlist = getattr(params, "getlist", None)
    values: Sequence[str] = getlist(name) if getlist else [params[name]] if name in params else []
    if len(values) > 1:
        raise BadParameter(name, "given more than once")
    if not values:
        return None
    value = values[0].strip()
    if "\x00" in value:
        raise BadParameter(name, "contains a NUL character")
    if len(value) > MAX_TEXT:
        raise BadParameter(name, f"longer than {MAX_TEXT} characters")
    return value or None


def _number(params: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = _one(params, name)
    if value is None:
        return default
    if not _NUMBER.fullmatch(value) or not low <= int(value) <= high:
        raise BadParameter(name, f"must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def parse_search(params: Mapping[str, Any], *, api: bool) -> Search:
    """A ``Search`` from a query string; raises ``BadParameter`` naming the first bad one.

    The API refuses parameters it does not know; the pages ignore them.
    """
    if api:
        for name in params:
            if name not in API_PARAMS:
                known = ", ".join(API_PARAMS)
                raise BadParameter(name, f"unknown parameter (known: {known})")
    text = _one(params, "q")
    filters = {name: _one(params, name) for name in FILTERS}
    for name in DATE_FILTERS:
        try:
            parse_bound(filters[name])
        except StoreError as exc:
            raise BadParameter(name, str(exc)) from exc
    status = filters["status"]
    if status is not None and status not in STATUSES:
        raise BadParameter("status", f"must be one of {', '.join(STATUSES)}, not {status!r}")
    if api:
        limit = _number(params, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
        offset = _number(params, "offset", 0, 0, 10**9)
        return Search(text, filters, limit, offset)
    page = _number(params, "page", 1, 1, MAX_PAGE)
    return Search(text, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE)
