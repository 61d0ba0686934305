"""A real archive for the web tests: the sample site crawled twice by `chinareport crawl`.

Three of its articles are altered before the crawls: one has HTML in its title and body (it must
show as text), one carries a script, a stylesheet and an image that would change the page title
and call a beacon server (nothing of it may run or load when the page is viewed as archived), and
one changes between the two crawls (so it has an earlier version to compare with).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from crawler.sample_site import Page, build_site, serve

HOSTILE_TITLE = '<script>alert("title")</script>厚街标题'
HOSTILE_PARAGRAPH = "<img src=x onerror=alert(2)>厚街 javascript:alert(3) <b>粗体</b>"
ADDED_PARAGRAPH = "这是更新时新增的段落,厚街镇补充了最新数据。"
TITLE_SUFFIX = "(更新)"


class Beacon:
    """A server that only records the paths asked of it: a page "calling home" shows up here."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        beacon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
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
