"""Archived bytes, served so that nothing in them can act.

The article's archived response comes from its WARC record (decoded as ``show --raw`` decodes
it) under a Content-Security-Policy ``sandbox``: no script of the archived page runs, nothing
loads from another origin, and it is shown only inside a sandboxed iframe. Archived images are
served only when they are raster images, with the same policy.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from archive.errors import ArchiveError
from archive.reader import ArchivedResponse, read_at
from archive.writer import WarcLocator
from crawler.web.context import Site, site_of
from crawler.web.errors import NotFound
from pipelines.browse import archived_copies
from pipelines.query import get_article

SANDBOX_POLICY = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
SAFE_HEADERS = {
    "Content-Security-Policy": SANDBOX_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, max-age=3600",
}
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp")


def _locator(found: dict[str, Any]) -> WarcLocator:
    return WarcLocator(
        filename=str(found.get("filename") or ""),
        offset=int(found.get("offset") or 0),
        length=int(found.get("length") or 0),
        record_type=str(found.get("record_type") or "response"),
        payload_digest="",
        warc_date="",
        record_id="",
    )


def article_record(site: Site, article: dict[str, Any]) -> tuple[ArchivedResponse | None, str]:
    """The article's archived response record, or (None, why there is none to show)."""
    found = article.get("warc") or {}
    if not found.get("filename"):
        return None, "this article has no archived response"
    try:
        # read_at refuses file names that would lead out of the WARC folder.
        return read_at(site.warc_dir, _locator(found)), ""
    except (ArchiveError, OSError) as exc:
        return None, f"the archived response cannot be read: {exc}"


def _media_type(record: ArchivedResponse, allowed: tuple[str, ...]) -> str | None:
    value = (record.header("Content-Type") or "").strip()
    media = value.split(";", 1)[0].strip().lower()
    if media not in allowed:
        return None
    # Keep a charset parameter (GB2312 pages need it) but nothing else from the archive.
    for part in value.split(";")[1:]:
        key, _, charset = part.strip().partition("=")
        if (
            key.strip().lower() == "charset"
            and charset.strip().strip('"').replace("-", "").isalnum()
        ):
            return f"{media}; charset={charset.strip().strip(chr(34))}"
    return media


def _archived_image(site: Site, found: dict[str, Any]) -> ArchivedResponse | None:
    try:
        record = read_at(site.warc_dir, _locator(found))
    except (ArchiveError, OSError):
        return None
    return record if _media_type(record, IMAGE_TYPES) else None


def shown_images(site: Site, srcs: list[str]) -> set[str]:
    """Which of these image URLs the archive holds as an image this server shows."""
    copies = archived_copies(site.engine, srcs)
    return {src for src, found in copies.items() if _archived_image(site, found) is not None}


def response(request: Request) -> Response:
    """``/articles/{id}/archived/response``: the archived body under the sandbox policy."""
    site = site_of(request)
    article = get_article(site.engine, int(request.path_params["id"]))
    if article is None:
        raise NotFound(f"no article {request.path_params['id']}")
    record, problem = article_record(site, article)
    if record is None:
        raise NotFound(problem)
    if record.record_type != "response":
        body, media = b"(a revisit record: the payload was identical to an earlier capture)", None
    else:
        body, media = record.body, _media_type(record, TEXT_TYPES)
    return Response(body, media_type=media or "text/plain", headers=SAFE_HEADERS)


def image(request: Request) -> Response:
    """``/articles/{id}/images/{n}``: an article's image, when the archive holds it."""
    site = site_of(request)
    article = get_article(site.engine, int(request.path_params["id"]))
    n = int(request.path_params["n"])
    if article is None or not 0 <= n < len(article["images"] or []):
        raise NotFound("no such image")
    src = str(article["images"][n].get("src") or "")
    found = archived_copies(site.engine, [src]).get(src)
    record = _archived_image(site, found) if found else None
    if record is None:
        raise NotFound("this image is not in the archive as an image this server shows")
    media = _media_type(record, IMAGE_TYPES) or ""
    return Response(record.body, media_type=media.split(";")[0], headers=SAFE_HEADERS)
