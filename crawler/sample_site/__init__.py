"""The bundled sample site: a deterministic chinareport-style news site and its server.

``build_site()`` generates every page plus the truth for each article; ``serve()``
runs it on a real local HTTP server (gzip, 304s, cookies, redirects, 404s).
"""

from __future__ import annotations

from crawler.sample_site.server import SiteServer, serve
from crawler.sample_site.site import Page, SampleSite, build_site

__all__ = ["Page", "SampleSite", "SiteServer", "build_site", "serve"]
