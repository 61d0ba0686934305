"""What every request reads (the engine, the WARC folder, the templates) and how pages render."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse


@dataclass(frozen=True)
class Site:
    """One served archive: its database engine and WARC folder, and the page templates."""

    engine: Engine
    warc_dir: Path
    templates: Environment
    db_label: str


def site_of(request: Request) -> Site:
    """The archive a request is served from."""
    site: Site = request.app.state.site
    return site


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page from a template (autoescaped); every page knows its own path for the nav."""
    site = site_of(request)
    page = site.templates.get_template(template).render(
        path=request.url.path, db_label=site.db_label, **context
    )
    return HTMLResponse(page, status_code=status)
