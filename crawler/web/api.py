"""The JSON API: the records of ``chinareport query --format json``, ``show``, ``show --versions``
and ``stats --format json``, from the same query functions."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from crawler.web.context import site_of
from crawler.web.errors import NotFound
from crawler.web.params import parse_search
from pipelines.query import article_versions, get_article, search_articles
from pipelines.query import stats as archive_stats


def _json(value: Any) -> Response:
    # As the CLI writes it: UTF-8 text, not \\u escapes; str() for anything else (as `show`).
    body = json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n"
    return Response(body, media_type="application/json")


def _id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise NotFound(f"no article {raw!r}")
    return int(raw)


def articles(request: Request) -> Response:
    """``/api/articles?q=...``: the records ``chinareport query --format json`` prints."""
    search = parse_search(request.query_params, api=True)
    records = search_articles(
        site_of(request).engine,
        search.text,
        limit=search.limit,
        offset=search.offset,
        **search.filters,
    )
    return _json(records)


def article(request: Request) -> Response:
    """``/api/articles/{id}``: the object ``chinareport show ID`` prints."""
    found = get_article(site_of(request).engine, _id(request))
    if found is None:
        raise NotFound(f"no article {request.path_params['id']}")
    return _json(found)


def versions(request: Request) -> Response:
    """``/api/articles/{id}/versions``: the records ``chinareport show ID --versions`` prints."""
    engine = site_of(request).engine
    article_id = _id(request)
    if get_article(engine, article_id) is None:
        raise NotFound(f"no article {article_id}")
    return _json(article_versions(engine, article_id))


def stats(request: Request) -> Response:
    """``/api/stats``: what ``chinareport stats --format json`` prints."""
    return _json(archive_stats(site_of(request).engine))
