"""Downloader middleware: hand compressed bodies to decompression as plain responses.

Scrapy's HttpCompressionMiddleware builds the decoded response with
``response.replace()``, which reads ``encoding`` of the still-compressed
response first; for a page served without a charset that runs charset
detection over gzip bytes (about a tenth of the crawl's CPU), only to throw
the answer away. A plain ``Response`` has no encoding to guess.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response, TextResponse


class EncodedBodyMiddleware:
    """Turn a content-encoded text response into a plain Response before it is decoded."""

    def process_response(self, request: Request, response: Response) -> Response:
        if isinstance(response, TextResponse) and b"Content-Encoding" in response.headers:
            # Not response.replace(): it would read the encoding we are avoiding.
            return Response(**{name: getattr(response, name) for name in Response.attributes})
        return response
