"""Tests for tests/faultserver.py: run it as a subprocess and check each route's fault happens."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

FAULTSERVER = Path(__file__).with_name("faultserver.py")
BOMB_MB = 64
OVERSIZE_MB = 4


@pytest.fixture(scope="module")
def base() -> Iterator[tuple[str, int]]:
    command = [
        sys.executable, str(FAULTSERVER), "--slow-seconds", "3",
        "--bomb-mb", str(BOMB_MB), "--oversize-mb", str(OVERSIZE_MB),
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            url = urlsplit(process.stdout.readline().strip())
            assert url.hostname == "127.0.0.1" and url.port
            yield url.hostname, url.port
        finally:
            process.terminate()
        assert process.wait(timeout=10) == 0


def get(
    base: tuple[str, int], path: str, timeout: float = 10
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection(*base, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_index_links_every_fault(base: tuple[str, int]) -> None:
    response, body = get(base, "/")
    assert response.status == 200
    links = set(re.findall(r'href="([^"]+)"', body.decode()))
    for path in ("/slow.html", "/reset.html", "/gzip-bomb.html", "/sitemap-xxe.xml"):
        assert path in links
    assert any("中文" in link and "?" in link for link in links)
    assert len(links) >= 20


def test_slow_response_outlasts_a_client_timeout(base: tuple[str, int]) -> None:
    with pytest.raises(TimeoutError):
        get(base, "/slow.html", timeout=0.5)


def test_connection_reset_mid_body(base: tuple[str, int]) -> None:
    with pytest.raises((http.client.IncompleteRead, ConnectionResetError)):
        get(base, "/reset.html")


def test_503_then_200(base: tuple[str, int]) -> None:
    assert get(base, "/flaky-503.html")[0].status == 503
    assert get(base, "/flaky-503.html")[0].status == 200


def test_429_with_retry_after_then_200(base: tuple[str, int]) -> None:
    response, _ = get(base, "/rate-limited.html")
    assert (response.status, response.getheader("Retry-After")) == (429, "1")
    assert get(base, "/rate-limited.html")[0].status == 200


def test_500_never_recovers(base: tuple[str, int]) -> None:
    assert [get(base, "/error-500.html")[0].status for _ in range(3)] == [500] * 3


def test_truncated_gzip(base: tuple[str, int]) -> None:
    response, body = get(base, "/truncated-gzip.html")
    assert response.getheader("Content-Encoding") == "gzip"
    with pytest.raises(EOFError):
        gzip.decompress(body)


def test_gzip_bomb_is_tiny_on_the_wire(base: tuple[str, int]) -> None:
    response, body = get(base, "/gzip-bomb.html")
    assert response.getheader("Content-Encoding") == "gzip"
    assert len(body) < (BOMB_MB << 20) // 500
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    total, pending = 0, body
    while pending:  # bounded steps, as a careful client must
        total += len(inflater.decompress(pending, 1 << 22))
        pending = inflater.unconsumed_tail
    assert total == BOMB_MB << 20 and inflater.eof


def test_oversize_page(base: tuple[str, int]) -> None:
    response, body = get(base, "/oversize.html")
    assert int(response.getheader("Content-Length")) == len(body) == OVERSIZE_MB << 20


def test_redirect_loop_and_offsite_redirect(base: tuple[str, int]) -> None:
    first, _ = get(base, "/redirect-loop-a.html")
    second, _ = get(base, first.getheader("Location"))
    assert second.status == 302 and second.getheader("Location") == "/redirect-loop-a.html"
    response, _ = get(base, "/offsite-redirect.html")
    target = urlsplit(response.getheader("Location"))
    assert response.status == 302 and target.hostname == "localhost" and target.port == base[1]


def test_pdf_image_and_garbage(base: tuple[str, int]) -> None:
    response, body = get(base, "/document.pdf")
    assert response.getheader("Content-Type") == "application/pdf" and body.startswith(b"%PDF")
    response, body = get(base, "/photo.png")
    assert response.getheader("Content-Type") == "image/png" and body.startswith(b"\x89PNG")
    response, body = get(base, "/garbage.html")
    assert response.getheader("Content-Type").startswith("text/html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_charset_lies_and_invalid_utf8(base: tuple[str, int]) -> None:
    response, body = get(base, "/charset-mismatch.html")
    assert "utf-8" in response.getheader("Content-Type") and b'charset="utf-8"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "声明与实际编码不符" in body.decode("gbk")
    _, body = get(base, "/invalid-utf8.html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "无效的UTF-8字节".encode() in body


def test_empty_and_deeply_nested(base: tuple[str, int]) -> None:
    response, body = get(base, "/empty.html")
    assert (response.status, body, response.getheader("Content-Length")) == (200, b"", "0")
    _, body = get(base, "/deep-nesting.html")
    assert body.count(b"<div>") == 100_000


def test_hostile_sitemaps(base: tuple[str, int]) -> None:
    _, body = get(base, "/sitemap-bomb.xml")
    assert body.count(b"<!ENTITY") == 10 and b"&lol9;" in body
    _, body = get(base, "/sitemap-xxe.xml")
    assert b'SYSTEM "file:///etc/passwd"' in body and b"/xxe-probe" in body
    _, robots = get(base, "/robots.txt")
    assert b"/sitemap-bomb.xml" in robots and b"/sitemap-xxe.xml" in robots


def test_chinese_path_and_query(base: tuple[str, int]) -> None:
    path = quote("/中文/乡村振兴.html") + "?" + quote("关键词=厚街&页=1", safe="=&")
    response, body = get(base, path)
    assert response.status == 200 and "中文路径的页面" in body.decode()


def test_hit_counts(base: tuple[str, int]) -> None:
    get(base, "/empty.html")
    _, body = get(base, "/__hits__")
    hits = json.loads(body)
    assert hits["/empty.html"] >= 1 and hits["/__hits__"] == 1


def test_reset_really_aborts_the_socket(base: tuple[str, int]) -> None:
    with socket.create_connection(base, timeout=5) as sock:
        sock.sendall(b"GET /reset.html HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        with pytest.raises(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
            raise AssertionError("connection closed cleanly instead of reset")
    head, _, partial = received.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert len(partial) < length  # the RST may discard what the client had not read yet
