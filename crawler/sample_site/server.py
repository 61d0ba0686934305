"""A real threaded HTTP server for a ``SampleSite``, behaving like a typical nginx setup.

Gzip for clients that accept it, ``Last-Modified``/``ETag`` with 304 answers, the
site's own redirects and cookies, 404 for anything else; quiet logging.
"""

from __future__ import annotations

import gzip
import threading
import time
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

from crawler.sample_site.site import Page, SampleSite

COMPRESSIBLE = ("text/", "application/xml", "application/javascript", "application/json")
NOT_FOUND_BODY = (
    b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    b"<center><h1>404 Not Found</h1></center>\r\n</body>\r\n</html>\r\n"
)


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (``q=0`` refuses it)."""
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = params.strip().lower()
            return not (quality.startswith("q=") and float(quality[2:] or 0) == 0)
    return False


def _etag_matches(if_none_match: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def _not_modified(page: Page, if_none_match: str | None, if_modified_since: str | None) -> bool:
    etag = page.header("ETag")
    if if_none_match is not None:
        return etag is not None and _etag_matches(if_none_match, etag)
    modified = page.header("Last-Modified")
    if if_modified_since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):  # an unparsable date is ignored, as servers do
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.22.1"
    sys_version = ""
    server: _SiteHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests and the demo should not print one line per request."""

    def do_GET(self) -> None:
        """Serve a page (or 304/404)."""
        self._respond(head=False)

    def do_HEAD(self) -> None:
        """Serve a page's headers only."""
        self._respond(head=True)

    def _lookup(self) -> Page | None:
        pages = self.server.site.pages
        raw = self.path
        if raw.startswith(("http://", "https://")):  # absolute-form request target
            raw = urlsplit(raw)._replace(scheme="", netloc="").geturl()
        for candidate in (raw, unquote(raw), raw.split("?", 1)[0], unquote(raw.split("?", 1)[0])):
            page = pages.get(candidate)
            if page is not None:
                return page
        return None

    def _respond(self, *, head: bool) -> None:
        if self.server.delay:
            time.sleep(self.server.delay)
        page = self._lookup()
        if page is None:
            self._send(404, [("Content-Type", "text/html")], NOT_FOUND_BODY, head=head)
            return
        if page.status == 200 and _not_modified(
            page, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        ):
            validators = [(k, v) for k, v in page.headers if k in ("ETag", "Last-Modified")]
            self._send(304, validators, b"", head=True)
            return
        headers = list(page.headers)
        body = page.body
        content_type = page.header("Content-Type") or ""
        if content_type.startswith(COMPRESSIBLE):
            headers.append(("Vary", "Accept-Encoding"))
            if accepts_gzip(self.headers.get("Accept-Encoding")) and body:
                body = self.server.gzipped(page)
                headers = [
                    (k, "W/" + v if k == "ETag" and not v.startswith("W/") else v)
                    for k, v in headers
                ]
                headers.append(("Content-Encoding", "gzip"))
        self._send(page.status, headers, body, head=head)

    def _send(
        self, status: int, headers: list[tuple[str, str]], body: bytes, *, head: bool
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: SampleSite, delay: float) -> None:
        super().__init__(address, _Handler)
        self.site = site
        self.delay = delay
        self._gzip_cache: dict[int, bytes] = {}

    def gzipped(self, page: Page) -> bytes:
        """The page body gzipped once (mtime 0, so the bytes are deterministic)."""
        key = id(page)
        cached = self._gzip_cache.get(key)
        if cached is None:
            cached = gzip.compress(page.body, compresslevel=6, mtime=0)
            self._gzip_cache[key] = cached
        return cached


class SiteServer:
    """A running sample-site server; ``.url`` has no trailing slash, ``.stop()`` ends it."""

    def __init__(
        self, site: SampleSite, host: str = "127.0.0.1", port: int = 0, *, delay: float = 0.0
    ) -> None:
        self._httpd = _SiteHTTPServer((host, port), site, delay)
        bound_host, bound_port = self._httpd.server_address[:2]
        self.host = str(bound_host)
        self.port = int(bound_port)
        self.url = f"http://{self.host}:{self.port}"
        self.site = site.with_base_url(self.url)
        self._httpd.site = self.site
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"sample-site-{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    site: SampleSite, host: str = "127.0.0.1", port: int = 0, *, delay: float = 0.0
) -> SiteServer:
    """Serve ``site`` on ``host:port`` (0 picks a free port) in a background thread."""
    return SiteServer(site, host, port, delay=delay)
