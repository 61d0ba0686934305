"""A real archive for the web tests: the sample site crawled twice by `chinareport crawl`.

Three of its articles are altered before the crawls: one has HTML in its title and body (it must
show as text), one carries a script, a stylesheet and an image that would change the page title
and call a beacon server (nothing of it may run or load when the page is viewed as archived), and
one changes between the two crawls (so it has an earlier version to compare with).
"""

from __future__ import annotations

import re
import signal
import struct
import subprocess
import sys
import threading
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from archive.writer import WarcWriter
from crawler.sample_site import Page, build_site, serve
from pipelines.db import open_engine
from pipelines.store import ArticleStore, StoreItem

HOSTILE_TITLE = '<script>alert("title")</script>厚街标题'
HOSTILE_PARAGRAPH = "<img src=x onerror=alert(2)>厚街 javascript:alert(3) <b>粗体</b>"
ADDED_PARAGRAPH = "这是更新时新增的段落,厚街镇补充了最新数据。"
TITLE_SUFFIX = "(更新)"


class Beacon:
    """A server that records the paths asked of it: a page "calling home" shows up here.

    It also serves ``page`` (bytes, as they are, no policy) at ``/unsandboxed``, for the
    browser test's control case.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.page = b""
        beacon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/unsandboxed":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(beacon.page)))
                    self.end_headers()
                    self.wfile.write(beacon.page)
                    return
                beacon.requests.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class WebArchive:
    """A crawled data folder (and database URL) and which article is which."""

    data: Path
    db_url: str
    site_url: str
    beacon: Beacon
    hostile: str  # URL of the article with HTML in its title and body
    scripted: str  # URL of the article whose page holds a script
    changed: str  # URL of the article that changed between the crawls
    truth: dict[str, dict[str, Any]] = field(default_factory=dict)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`chinareport ARGS` in a fresh interpreter; fails the test on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        check=False, capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def _replace(page: Page, html: str) -> Page:
    # Without validators the server cannot answer 304: the refresh crawl gets the new bytes.
    headers = [(k, v) for k, v in page.headers if k not in ("ETag", "Last-Modified")]
    return Page(page.status, headers, html.encode("utf-8"))


def _after_first_paragraph(html: str, insert: str) -> str:
    start = html.index('<div class="row article">')
    end = html.index("</p>", start) + len("</p>")
    return html[:end] + "\n" + insert + html[end:]


def build(data: Path, db_url: str | None = None) -> WebArchive:
    """Crawl the altered sample site into ``data`` (and ``db_url`` if given), twice."""
    site = build_site()
    plain = sorted(
        path
        for path, truth in site.truth.items()
        if truth["page_count"] == 1
        and not truth["images"]
        and site.pages[path].header("Content-Type") == "text/html; charset=utf-8"
    )
    hostile, scripted, changed = plain[0], plain[1], plain[2]
    beacon = Beacon()
    db = ["--db", db_url] if db_url else []
    keep: list[Page] = []  # replaced pages stay referenced: the server caches gzip by id()
    with serve(site) as server:
        pages = server.site.pages

        title = escape(site.truth[hostile]["title"], quote=False)
        html = pages[hostile].body.decode("utf-8").replace(title, escape(HOSTILE_TITLE))
        html = _after_first_paragraph(html, f"<p>{escape(HOSTILE_PARAGRAPH)}</p>")
        keep.append(pages[hostile])
        pages[hostile] = _replace(pages[hostile], html)

        call_home = (
            f"<script>document.title = 'PWNED'; fetch('{beacon.url}/called-home?fetch');"
            f"new Image().src = '{beacon.url}/called-home?script-img';</script>"
            f'<link rel="stylesheet" href="{beacon.url}/called-home?css">'
            f'<img src="{beacon.url}/called-home?img" alt="">'
        )
        html = pages[scripted].body.decode("utf-8").replace("</body>", call_home + "</body>")
        keep.append(pages[scripted])
        pages[scripted] = _replace(pages[scripted], html)

        options = ["--data-dir", str(data), *db, "-s", "AUTOTHROTTLE_ENABLED=False"]
        run_cli("crawl", server.url, *options)

        title = escape(site.truth[changed]["title"], quote=False)
        html = pages[changed].body.decode("utf-8").replace(title, title + TITLE_SUFFIX)
        html = _after_first_paragraph(html, f"<p>{ADDED_PARAGRAPH}</p>")
        keep.append(pages[changed])
        pages[changed] = _replace(pages[changed], html)
        run_cli("crawl", server.url, "--refresh", *options)
        url = server.url
    return WebArchive(
        data=data,
        db_url=db_url or f"sqlite:///{data / 'articles.db'}",
        site_url=url,
        beacon=beacon,
        hostile=url + hostile,
        scripted=url + scripted,
        changed=url + changed,
        truth={url + path: truth for path, truth in site.truth.items()},
    )


class Serving:
    """`chinareport serve --port 0` in a subprocess; ``.url`` is the URL it printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert self.process.stdout is not None
        self.first_line = self.process.stdout.readline()
        found = re.search(r"http://\S+/", self.first_line)
        if found is None:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"serve printed {self.first_line!r}\n{err}")
        self.url = found.group().rstrip("/")

    def stop(self) -> tuple[int, str]:
        """Ctrl-C (SIGINT), as a person stops it; returns (exit status, standard error)."""
        self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
            raise AssertionError(f"serve did not stop on SIGINT\n{err}") from None
        return self.process.returncode, err

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.stop()


# -- a hostile archive: stored records with HTML and javascript: in every field -----------

SEEN = datetime(2024, 7, 1, tzinfo=UTC)


JS = "javascript:alert(1)"


def record_of(n: int, title: str, body: str, **fields: Any) -> dict[str, Any]:
    record = {
        "url": f"http://news.example/a/{n}.html",
        "title": title,
        "published": "2024-06-30T10:00:00+08:00",
        "source": "中国报道",
        "authors": ["黄楚芳"],
        "editors": ["陈伟赞"],
        "channel": "乡村",
        "body": body,
        "images": [],
        "status": "ok",
        "parser_version": "test",
    }
    record.update(fields)
    return record


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


IMAGES = [
    {"src": JS, "caption": "<script>alert('caption')</script>说明"},
    {"src": "http://img.example/photo.png", "caption": "存档的图片"},
    {"src": "http://img.example/evil.svg", "caption": "SVG 图片"},
    {"src": "http://img.example/never.png", "caption": "未存档"},
]
HOSTILE = record_of(
    7,
    "<img src=x onerror=alert('title')>标题",
    "<script>alert('body')</script>\n<a href=\"javascript:alert(2)\">链接</a>",
    url="http://news.example/a/7.html?x=\"><script>alert('url')</script>",
    source="<b onmouseover=alert(3)>来源</b>",
    authors=["<script>alert('author')</script>"],
    editors=["\"><svg onload=alert(4)>"],
    channel=JS,
    images=IMAGES,
)


def build_hostile(data: Path) -> Path:
    """A data folder whose one article has HTML and javascript: everywhere, and two archived
    "images": a real PNG and an SVG (which may hold script, so it is never served)."""
    store = ArticleStore(open_engine(f"sqlite:///{data / 'articles.db'}"))
    store.store_articles([StoreItem(HOSTILE, SEEN)])
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(5)"><script>alert(6)</script></svg>'
    with WarcWriter(data / "warc") as writer:
        for url, kind, body in (
            (IMAGES[1]["src"], "image/png", png()),
            (IMAGES[2]["src"], "image/svg+xml", svg),
        ):
            locator = writer.write_exchange(
                url=url, status=200, response_headers=[("Content-Type", kind)], body=body
            )
            store.record_fetch(None, url, status=200, warc=locator.as_dict(), fetched_at=SEEN)
    store.engine.dispose()
    return data


