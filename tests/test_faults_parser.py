"""The parser on every body the fault server sends: a record with a status, never an exception."""

from __future__ import annotations

import http.client
import zlib
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from faultserver import CHINESE_PATH, CHINESE_QUERY, ROUTES, FaultServer

from archive.codecs import DecodedTooLargeError, decode_content
from crawler.parser import parse_page
from crawler.parser.record import STATUS_NOT_ARTICLE

STATUSES = {"ok", "partial", STATUS_NOT_ARTICLE}
SKIP = {"/__hits__"}


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(slow_seconds=0.1, bomb_bytes=64 << 20, oversize_bytes=3 << 20) as running:
        yield running


def fetch(server: FaultServer, path: str) -> tuple[dict[str, str], bytes]:
    """The raw body as sent (a reset connection gives what arrived before it)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.httpd.port, timeout=10)
    try:
        conn.request("GET", quote(path, safe="/?=&"))
        response = conn.getresponse()
        headers = dict(response.getheaders())
        received = bytearray()
        try:
            while chunk := response.read(4096):
                received += chunk
        except (http.client.IncompleteRead, ConnectionResetError) as exc:
            received += getattr(exc, "partial", b"")
        return headers, bytes(received)
    finally:
        conn.close()


def bodies(headers: dict[str, str], raw: bytes) -> list[bytes]:
    """The body as stored in a WARC, and decoded (bounded) as the crawl would parse it."""
    found = [raw]
    if headers.get("Content-Encoding"):
        try:
            found.append(decode_content(raw, headers["Content-Encoding"], limit=2 << 20))
        except (DecodedTooLargeError, zlib.error):
            found.append(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, 2 << 20))
    return found


PATHS = [p for p in ROUTES if p not in SKIP] + [f"{CHINESE_PATH}?{CHINESE_QUERY}"]


@pytest.mark.parametrize("path", PATHS)
def test_parser_returns_a_status_for_every_fault_body(server: FaultServer, path: str) -> None:
    headers, raw = fetch(server, path)
    url = server.url + path
    for body in bodies(headers, raw):
        record = parse_page(body, url, headers)
        assert record.status in STATUSES, (path, record.status)
        assert record.to_record()["status"] == record.status


def test_hostile_pages_are_not_articles_and_good_ones_are(server: FaultServer) -> None:
    def status(path: str) -> str:
        headers, raw = fetch(server, path)
        return parse_page(raw, server.url + path, headers).status

    for path in ("/garbage.html", "/empty.html", "/document.pdf", "/photo.png",
                 "/sitemap-bomb.xml", "/sitemap-xxe.xml"):
        assert status(path) == STATUS_NOT_ARTICLE, path
    fetch(server, "/flaky-503.html")  # its first answer is the 503, whichever test asks first
    for path in ("/charset-mismatch.html", "/invalid-utf8.html", "/flaky-503.html"):
        assert status(path) == "ok", path
    headers, raw = fetch(server, "/sitemap-xxe.xml")
    record = parse_page(raw, server.url + "/sitemap-xxe.xml", headers)
    assert "root:" not in (record.body or "")
