"""Tests for the sample-site HTTP server over real sockets on 127.0.0.1 (and as a subprocess)."""

from __future__ import annotations

import gzip
import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from crawler.sample_site import SampleSite, SiteServer, build_site, serve


@pytest.fixture(scope="module")
def site() -> SampleSite:
    return build_site(40)


@pytest.fixture(scope="module")
def server(site: SampleSite) -> Iterator[SiteServer]:
    with serve(site) as running:
        yield running


def fetch(
    server: SiteServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_url_and_bound_site(server: SiteServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}" and server.port > 0
    response, body = fetch(server, "/robots.txt")
    assert response.status == 200
    assert f"Sitemap: {server.url}/sitemap.xml" in body.decode()


def test_gzip_only_for_clients_that_accept_it(server: SiteServer, site: SampleSite) -> None:
    path = next(iter(site.truth))
    response, body = fetch(server, path, {"Accept-Encoding": "gzip, deflate"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert int(response.getheader("Content-Length")) == len(body) < len(site.pages[path].body)
    assert gzip.decompress(body) == site.pages[path].body

    response, body = fetch(server, path)
    assert response.getheader("Content-Encoding") is None
    assert body == site.pages[path].body
    response, body = fetch(server, path, {"Accept-Encoding": "gzip;q=0, identity"})
    assert response.getheader("Content-Encoding") is None


def test_images_are_not_gzipped(server: SiteServer, site: SampleSite) -> None:
    response, body = fetch(server, "/static/images/logo.png", {"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") is None
    assert response.getheader("Content-Type") == "image/png"
    assert body == site.pages["/static/images/logo.png"].body


def test_conditional_requests_get_304(server: SiteServer, site: SampleSite) -> None:
    path = site.listing_paths[0]
    first, _ = fetch(server, path)
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert etag and modified
    response, body = fetch(server, path, {"If-None-Match": etag})
    assert (response.status, body) == (304, b"")
    assert response.getheader("ETag") == etag
    response, _ = fetch(server, path, {"If-Modified-Since": modified})
    assert response.status == 304
    response, body = fetch(server, path, {"If-None-Match": '"stale"'})
    assert response.status == 200 and body == site.pages[path].body
    response, _ = fetch(server, path, {"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"})
    assert response.status == 200
    gzipped, _ = fetch(server, path, {"Accept-Encoding": "gzip"})
    weak = gzipped.getheader("ETag")
    assert weak == "W/" + etag
    response, _ = fetch(server, path, {"If-None-Match": weak, "Accept-Encoding": "gzip"})
    assert response.status == 304


def test_unknown_and_broken_paths_are_404(server: SiteServer, site: SampleSite) -> None:
    for path in ("/no/such/page.html", *site.broken_paths):
        response, body = fetch(server, path)
        assert response.status == 404 and b"404 Not Found" in body


def test_redirect_is_302_to_the_article(server: SiteServer, site: SampleSite) -> None:
    [(old, target)] = site.redirects.items()
    response, _ = fetch(server, old)
    assert response.status == 302
    assert response.getheader("Location") == target
    assert fetch(server, target)[0].status == 200


def test_home_sets_two_cookies(server: SiteServer) -> None:
    response, _ = fetch(server, "/")
    cookies = response.headers.get_all("Set-Cookie")
    assert len(cookies) == 2 and cookies[0].split("=")[0] != cookies[1].split("=")[0]


def test_gbk_pages_are_served_byte_for_byte(server: SiteServer, site: SampleSite) -> None:
    path = site.variants["gbk"][0]
    response, body = fetch(server, path)
    assert body == site.pages[path].body
    assert b"charset=gb2312" in body
    assert response.getheader("Content-Type") == site.pages[path].header("Content-Type")


def test_head_and_query_strings(server: SiteServer, site: SampleSite) -> None:
    path = next(iter(site.truth))
    response, body = fetch(server, path, method="HEAD")
    assert response.status == 200 and body == b""
    assert int(response.getheader("Content-Length")) == len(site.pages[path].body)
    response, body = fetch(server, path + "?from=weixin")
    assert response.status == 200 and body == site.pages[path].body


def test_keep_alive_serves_several_requests_on_one_connection(
    server: SiteServer, site: SampleSite
) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        for path in site.listing_paths[:3]:
            conn.request("GET", path)
            response = conn.getresponse()
            assert response.read() == site.pages[path].body
    finally:
        conn.close()


def test_delay_is_applied_per_request_and_requests_run_in_parallel(site: SampleSite) -> None:
    with serve(site, delay=0.3) as slow:
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda p: fetch(slow, p)[0].status, site.listing_paths[:4]))
        elapsed = time.perf_counter() - started
    assert statuses == [200] * 4
    assert 0.3 <= elapsed < 1.0


def test_stop_closes_the_port(site: SampleSite) -> None:
    running = serve(site)
    host, port = running.host, running.port
    running.stop()
    with pytest.raises(OSError):
        http.client.HTTPConnection(host, port, timeout=2).connect()


def test_module_runs_as_a_subprocess_printing_its_url() -> None:
    command = [sys.executable, "-m", "crawler.sample_site", "--articles", "20", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            url = process.stdout.readline().strip()
            parts = urlsplit(url)
            assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.port
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            conn.request("GET", "/about.html")
            response = conn.getresponse()
            assert response.status == 200 and "关于我们" in response.read().decode()
            conn.close()
        finally:
            process.terminate()
        assert process.wait(timeout=10) == 0
