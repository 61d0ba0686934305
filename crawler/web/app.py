"""The Starlette application: routes, templates, error pages and the headers every answer carries.

Read-only: only GET (and HEAD) routes; the database is opened read-only and never upgraded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler.web import api, archived, pages
from crawler.web.context import Site, render
from crawler.web.errors import BadParameter, WebError
from crawler.web.filters import FILTERS, GLOBALS
from pipelines.db import open_engine
from pipelines.errors import StoreError

log = logging.getLogger(__name__)

PACKAGE = files("crawler.web")
# Our own pages run no script at all; archived responses get a stricter policy of their own.
PAGE_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; frame-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]


class SecurityHeaders:
    """ASGI middleware: nosniff, no referrer, and our page policy unless a route set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in COMMON_HEADERS if k not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def templates() -> Environment:
    """The Jinja2 environment: package templates, autoescaping on for every file."""
    env = Environment(
        loader=FileSystemLoader(str(PACKAGE / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str, **extra: Any) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message, "status": status, **extra}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status)


async def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    extra = {"parameter": exc.name} if isinstance(exc, BadParameter) else {}
    return _error(request, exc.status, exc.message, **extra)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "no such page", 405: "this archive is read-only: only GET is served"}
    message = messages.get(exc.status_code, str(exc.detail))
    response = _error(request, exc.status_code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _store_error(request: Request, exc: Exception) -> Response:
    log.warning("database error on %s: %s", request.url.path, exc)
    inner = getattr(exc, "orig", None) or exc  # a driver's error, without the SQL around it
    first = (str(inner).strip().splitlines() or [type(inner).__name__])[0]
    return _error(request, 503, f"the database cannot be read: {first}")


async def _server_error(request: Request, exc: Exception) -> Response:
    # Logged in full for the operator; the page says only that it failed.
    log.error("error serving %s", request.url.path, exc_info=exc)
    return _error(request, 500, "internal error (details are in the server's log)")


def create_app(
    db_url: str, warc_dir: str | Path, *, allowed_hosts: list[str] | None = None
) -> Starlette:
    """The web application over one archive; raises ``StoreError`` if the database cannot be read.

    ``allowed_hosts`` limits the Host header (the server passes the loopback names when it
    listens on loopback, so another site's page cannot reach it through DNS rebinding).
    """
    engine = open_engine(db_url, read_only=True)
    get = ["GET", "HEAD"]
    routes = [
        Route("/", pages.search_page, methods=get),
        Route("/articles/{id:int}", pages.article_page, methods=get),
        Route("/articles/{id:int}/versions", pages.versions_page, methods=get),
        Route("/articles/{id:int}/archived", pages.archived_page, methods=get),
        Route("/articles/{id:int}/archived/response", archived.response, methods=get),
        Route("/articles/{id:int}/images/{n:int}", archived.image, methods=get),
        Route("/stats", pages.stats_page, methods=get),
        Route("/api/articles", api.articles, methods=get),
        Route("/api/articles/{id}", api.article, methods=get),
        Route("/api/articles/{id}/versions", api.versions, methods=get),
        Route("/api/stats", api.stats, methods=get),
        Mount("/-/static", StaticFiles(directory=str(PACKAGE / "static")), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        WebError: _web_error,
        HTTPException: _http_error,
        StoreError: _store_error,
        SQLAlchemyError: _store_error,
        Exception: _server_error,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    label = engine.url.render_as_string(hide_password=True)
    app.state.site = Site(engine, Path(warc_dir), templates(), label)
    return app
