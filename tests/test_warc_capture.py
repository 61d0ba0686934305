"""WarcCapture in a real Scrapy crawl (subprocess) of a gzip-serving HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

from archive.reader import iter_records, read_at

WARCIO = str(Path(sys.executable).with_name("warcio"))
ROOT = Path(__file__).resolve().parents[1]

HOME = """<html><head><title>首页</title></head><body>
<a href="/a.html?id=7">一</a> <a href="/乡村/厚街.html">二</a> <a href="/chunked.html">三</a>
<a href="/missing.html">四</a> <a href="/old.html">五</a></body></html>"""


def page(title: str) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><p>{title}正文</p></body></html>".encode()
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = unquote(self.path)
        if path == "/old.html":
            self.send_response(301)
            self.send_header("Location", "/a.html?id=7")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        bodies = {
            "/": HOME.encode(),
            "/a.html?id=7": page("甲"),
            "/乡村/厚街.html": page("厚街"),
            "/chunked.html": page("分块"),
        }
        body = bodies.get(path)
        status = 200 if body is not None else 404
        body = body if body is not None else page("找不到")
        gzipped = "gzip" in self.headers.get("Accept-Encoding", "")
        if gzipped:
            body = gzip.compress(body, mtime=0)  # a stable payload, so the re-fetch is a revisit
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Set-Cookie", "session=1; Path=/")
        self.send_header("Set-Cookie", "lang=zh; Path=/")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        if path == "/chunked.html":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 50):
                chunk = body[i : i + 50]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


CRAWL = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Capture(scrapy.Spider):
        name = "capture"
        start_urls = [{home!r}]

        def parse(self, response):
            with open({seen!r}, "a", encoding="utf-8") as out:
                out.write(json.dumps({{"url": response.url, "status": response.status,
                                      "text": response.text, "warc": response.meta.get("warc"),
                                      "headers": dict(response.headers.to_unicode_dict())}}) + "\\n")
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href, self.parse)
            if response.url == {home!r} and not response.meta.get("again"):
                yield scrapy.Request(response.url, self.parse, dont_filter=True, meta={{"again": 1}})

    process = CrawlerProcess({{
        "EXTENSIONS": {{"crawler.extensions.warc_capture.WarcCapture": 0}},
        "WARC_DIR": {warc_dir!r},
        "WARC_MAX_SIZE": {max_size},
        "ROBOTSTXT_OBEY": False,
        "HTTPERROR_ALLOW_ALL": True,
        "REMOTE_CONTROL_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "USER_AGENT": "chinareport-test (+https://example.invalid)",
        "DEFAULT_REQUEST_HEADERS": {{"Accept-Encoding": "gzip, deflate"}},
        "LOG_LEVEL": "INFO",
    }})
    crawler = process.create_crawler(Capture)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({{k: v for k, v in stats.items() if isinstance(v, (int, str))}}))
    """
)


def crawl(site: str, tmp_path: Path, warc_dir: Path, max_size: int = 1 << 30) -> tuple[dict, list]:
    seen = tmp_path / "seen.jsonl"
    script = CRAWL.format(
        root=str(ROOT), home=site + "/", seen=str(seen), warc_dir=str(warc_dir), max_size=max_size
    )
    # A file, not -c: Scrapy inspects the source of spider callbacks.
    script_path = tmp_path / "crawl_script.py"
    script_path.write_text(script, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    pages = [json.loads(line) for line in seen.read_text().splitlines()] if seen.exists() else []
    return stats, pages


@pytest.mark.slow
def test_crawl_archives_wire_bytes_and_locators_read_back(site: str, tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    stats, pages = crawl(site, tmp_path, warc_dir)
    assert stats["finish_reason"] == "finished"
    assert "spider_exceptions/count" not in stats
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert files and not list(warc_dir.glob("*.open"))
    for path in files:
        check = subprocess.run(
            [WARCIO, "check", "-v", str(path)], check=False, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout

    by_url = {}
    for page_seen in pages:
        assert page_seen["warc"], page_seen["url"]
        record = read_at(warc_dir, page_seen["warc"])
        by_url.setdefault(page_seen["url"], []).append(record)
        # what the spider saw, decoded, is what the record decodes to
        assert record.status == page_seen["status"]
        assert record.uri == page_seen["url"]
        # Scrapy removed Content-Encoding before the callback; the archive kept it
        assert "content-encoding" not in {k.lower() for k in page_seen["headers"]}
        if record.record_type == "response":
            assert record.raw_body[:2] == b"\x1f\x8b"
            assert record.header("Content-Encoding") == "gzip"
            assert record.header("Transfer-Encoding") is None
            assert record.header("Content-Length") == str(len(record.raw_body))
            assert record.body.decode() == page_seen["text"]
            assert record.header_list("Set-Cookie") == ["session=1; Path=/", "lang=zh; Path=/"]
            assert record.ip == "127.0.0.1"

    home = site + "/"
    assert [r.record_type for r in by_url[home]] == ["response", "revisit"]
    assert by_url[home][1].refers_to_uri == home
    assert by_url[home][1].refers_to_date == by_url[home][0].date
    assert by_url[site + "/missing.html"][0].status == 404
    assert by_url[site + "/chunked.html"][0].body == page("分块")
    chinese = site + "/%E4%B9%A1%E6%9D%91/%E5%8E%9A%E8%A1%97.html"
    assert by_url[chinese][0].body == page("厚街")

    records = list(iter_records(files))
    uris = [r.uri for r in records]
    assert site + "/old.html" in uris  # the redirect itself is archived
    assert next(r for r in records if r.uri == site + "/old.html").status == 301
    assert site + "/a.html?id=7" in uris
    assert stats["warc/records/response"] == len(records) - 1
    assert stats["warc/records/revisit"] == 1


@pytest.mark.slow
def test_unwritable_warc_dir_closes_the_spider(site: str, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the WARC directory should be")
    stats, pages = crawl(site, tmp_path, blocker / "warc")
    assert stats["finish_reason"] == "warc_write_error"
    assert stats["warc/write_errors"] == 1
    assert all(not p["warc"] for p in pages)


@pytest.mark.slow
def test_crawl_rotates_and_recovers_leftover(site: str, tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    leftover = warc_dir / "chinareport-20200101000000000000-00001-elsewhere-1.warc.gz.open"
    from archive.writer import WarcWriter

    with WarcWriter(tmp_path / "seed") as writer:
        writer.write_exchange(url="http://old.test/", status=200, body=b"old")
    [seed] = (tmp_path / "seed").glob("*.warc.gz")
    leftover.write_bytes(seed.read_bytes() + b"\x1f\x8b\x08torn")
    stats, _ = crawl(site, tmp_path, warc_dir, max_size=1500)
    assert stats["warc/recovered_files"] == 1
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert len(files) >= 3  # rotated at 1500 bytes, plus the recovered one
    assert leftover.with_name(leftover.name.removesuffix(".open")) in files
    uris = [r.uri for r in iter_records(files)]
    assert "http://old.test/" in uris and site + "/" in uris
