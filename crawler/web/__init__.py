"""The web face of the archive (`chinareport serve`): server-rendered pages and a JSON API.

Read-only, over the same query functions as the command line (``pipelines.query`` and
``pipelines.browse``); templates and the stylesheet ship with the package.
"""

from __future__ import annotations

from crawler.web.app import create_app

__all__ = ["create_app"]
