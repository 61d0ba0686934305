"""The HTML pages: search, one article, its versions, the archived view, statistics."""

from __future__ import annotations

from math import ceil
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from crawler.web import archived, charts
from crawler.web.context import render, site_of
from crawler.web.diff import changes
from crawler.web.errors import BadParameter, NotFound
from crawler.web.filters import web_url
from crawler.web.params import PAGE_SIZE, Search, parse_search
from crawler.web.snippets import highlight, snippet
from pipelines.browse import articles_per_day, fetch_history, result_page
from pipelines.query import article_versions, get_article, stats
from pipelines.search import match_pieces

FACET_LABELS = {"channel": "Channel", "source": "Source"}
TOP = 15


def _pages(search: Search, total: int) -> list[tuple[str, str | None]]:
    """Paging links as (label, url); url None for the current page or a gap."""
    last = max(1, ceil(total / PAGE_SIZE))
    current = search.page
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links: list[tuple[str, str | None]] = []
    if current > 1:
        links.append(("‹ previous", search.url(min(current - 1, last))))
    before = 0
    for n in shown:
        if n - before > 1:
            links.append(("…", None))
        links.append((str(n), None if n == current else search.url(n)))
        before = n
    if current < last:
        links.append(("next ›", search.url(current + 1)))
    return links if last > 1 else []


def search_page(request: Request) -> Response:
    """``/``: keyword search with filters, facet counts and paging; the URL holds the search."""
    site = site_of(request)
    try:
        search = parse_search(request.query_params, api=False)
    except BadParameter as exc:
        context = {"search": Search(), "error": exc.message, "results": [], "total": 0}
        return render(request, "search.html", {**context, "facets": {}, "active": []}, 400)
    page = result_page(
        site.engine, search.text, limit=search.limit, offset=search.offset, **search.filters
    )
    pieces = match_pieces(search.text) if search.text else []
    results = [
        {
            "record": record,
            "title": highlight(record["title"] or "(untitled)", pieces),
            "snippet": snippet(record["body"], pieces),
        }
        for record in page.records
    ]
    facets = {
        name: [
            {
                "value": value,
                "count": count,
                "active": search.filters.get(name) == value,
                "url": search.url(
                    changes={name: None if search.filters.get(name) == value else value}
                ),
            }
            for value, count in rows
        ]
        for name, rows in page.facets.items()
    }
    active = [
        {"name": name, "value": value, "url": search.url(changes={name: None})}
        for name, value in search.filters.items()
        if value
    ]
    context = {
        "search": search,
        "results": results,
        "total": page.total,
        "first": search.offset + 1,
        "paging": _pages(search, page.total),
        "facets": facets,
        "facet_labels": FACET_LABELS,
        "active": active,
        "error": None,
        "api_url": "/api/articles?"
        + urlencode({**search.args(), "limit": search.limit, "offset": search.offset}),
    }
    return render(request, "search.html", context)


def _article(request: Request) -> dict[str, Any]:
    article = get_article(site_of(request).engine, int(request.path_params["id"]))
    if article is None:
        raise NotFound(f"no article {request.path_params['id']}")
    return article


def article_page(request: Request) -> Response:
    """``/articles/{id}``: every field, the body, images, fetch history, versions, archived view."""
    site = site_of(request)
    article = _article(request)
    images = article["images"] or []
    copies = archived.shown_images(site, [str(i.get("src") or "") for i in images])
    shown = [
        {
            "n": n,
            "src": image.get("src") or "",
            "caption": image.get("caption") or "",
            "href": web_url(image.get("src")),
            "archived": (image.get("src") or "") in copies,
        }
        for n, image in enumerate(images)
    ]
    versions = article_versions(site.engine, article["id"])
    context = {
        "article": article,
        "href": web_url(article["url"]),
        "paragraphs": [p for p in (article["body"] or "").split("\n") if p.strip()],
        "images": shown,
        "fetches": fetch_history(site.engine, article["canonical_url"]),
        "versions": versions,
    }
    return render(request, "article.html", context)


def versions_page(request: Request) -> Response:
    """``/articles/{id}/versions``: how the article changed from crawl to crawl."""
    site = site_of(request)
    article = _article(request)
    versions = article_versions(site.engine, article["id"])
    context = {"article": article, "versions": versions, "changes": changes(versions, article)}
    return render(request, "versions.html", context)


def archived_page(request: Request) -> Response:
    """``/articles/{id}/archived``: the archived response's record, and its body in a sandbox."""
    site = site_of(request)
    article = _article(request)
    record, problem = archived.article_record(site, article)
    context = {"article": article, "record": record, "problem": problem}
    return render(request, "archived.html", context, 200 if record else 404)


def stats_page(request: Request) -> Response:
    """``/stats``: articles per day, by channel and source, crawl runs, fetch errors."""
    site = site_of(request)
    numbers = stats(site.engine)
    days = articles_per_day(site.engine)
    channels = [(r["channel"] or "(none)", r["articles"]) for r in numbers["by_channel"]]
    sources = [(r["source"] or "(none)", r["articles"]) for r in numbers["by_source"]]
    errors = [(kind, n) for kind, n in numbers["fetch_errors"].items()]
    errors += [(f"HTTP {status}", n) for status, n in numbers["http_errors"].items()]
    context = {
        "stats": numbers,
        "per_day": charts.timeline(days, title="Articles per day (Beijing time)"),
        "days": len(days),
        "by_channel": charts.bar_chart(channels[:TOP], title="Articles by channel"),
        "by_source": charts.bar_chart(sources[:TOP], title="Articles by source"),
        "channels": len(channels),
        "sources": len(sources),
        "errors": sorted(errors, key=lambda e: -e[1]),
    }
    return render(request, "stats.html", context)
