"""A fault-injecting HTTP test server: one named route per network or content fault.

Run ``python tests/faultserver.py`` (or ``python -m tests.faultserver``): it binds
127.0.0.1 port 0, prints its URL on one line and serves until killed, like Scrapy's
test mockserver. ``/`` links every route; ``/__hits__`` returns per-path hit counts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import random
import signal
import socket
import struct
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import quote, unquote, urlsplit

logger = logging.getLogger(__name__)

CHINESE_PATH = "/中文/乡村振兴.html"
CHINESE_QUERY = "关键词=厚街&页=1"
ARTICLE_TEXT = (
    "中国报道讯(记者 张三)近日,厚街镇召开乡村振兴工作推进会,部署2024年重点任务。"
    "会议强调,要坚持制造业当家,持续推进“百千万工程”。"
)


def article_html(title: str, charset: str = "utf-8", extra: str = "") -> str:
    """A small chinareport-style article page."""
    return (
        f'<html><head><meta charset="{charset}"><title>{title}</title></head><body>'
        f'<div class="location">位置:当前位置:首页 >> 乡村</div><h1>{title}</h1>'
        '<div class="time">发布时间:2024-02-26 11:33:41 来源:中国报道</div>'
        f'<div class="row article"><p>{ARTICLE_TEXT}</p><p>{ARTICLE_TEXT}</p>{extra}</div>'
        "<div>责任编辑:陈伟赞</div></body></html>"
    )


def gzip_bomb(decompressed_bytes: int, chunk: int = 1 << 24) -> bytes:
    """One gzip member that inflates to ``decompressed_bytes`` zeros (about 1/1000 on the wire).

    After a full flush deflate output no longer refers to earlier data, so one
    compressed chunk of zeros can be repeated instead of compressing gigabytes.
    """
    count = max(1, decompressed_bytes // chunk)
    zeros = bytes(chunk)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (count * chunk) & 0xFFFFFFFF)
    return header + block * count + tail + trailer


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        payload = kind + data
        return struct.pack(">I", len(data)) + payload + struct.pack(">I", zlib.crc32(payload))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress((b"\x00" + b"\xff\x00\x00" * 2) * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + ']>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>&lol9;</loc></url></urlset>\n"
).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: one line per request would drown test output."""

    def do_GET(self) -> None:
        """Dispatch to the route's fault."""
        path = unquote(urlsplit(self.path).path)
        hits = self.server.hit(path)
        route = ROUTES.get(path)
        if route is None:
            self.send_bytes(404, b"not found", "text/plain")
            return
        route[1](self, hits)

    def send_bytes(
        self, status: int, body: bytes, content_type: str, *extra: tuple[str, str]
    ) -> None:
        """A complete response with a matching Content-Length."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def page(self, title: str, status: int = 200) -> None:
        """A small UTF-8 article page."""
        self.send_bytes(status, article_html(title).encode(), "text/html; charset=utf-8")

    def reset_connection(self) -> None:
        """Abort the TCP connection with a RST instead of a clean close."""
        self.wfile.flush()
        time.sleep(0.05)  # let the partial body reach the client before the RST
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


Route = Callable[[_Handler, int], None]


def _index(h: _Handler, hits: int) -> None:
    links = "".join(
        f'<li><a href="{quote(path, safe="/")}">{label}</a></li>'
        for path, (label, _) in ROUTES.items()
        if path not in ("/", "/robots.txt", "/offsite-landing.html")
    )
    chinese = f'<li><a href="{CHINESE_PATH}?{CHINESE_QUERY}">中文路径和查询</a></li>'
    body = f"<html><head><meta charset='utf-8'><title>故障</title></head><body><ul>{links}{chinese}</ul></body></html>"
    h.send_bytes(200, body.encode(), "text/html; charset=utf-8")


def _robots(h: _Handler, hits: int) -> None:
    base = h.server.url
    body = f"User-agent: *\nDisallow: /private.html\nAllow: /\nSitemap: {base}/sitemap-bomb.xml\nSitemap: {base}/sitemap-xxe.xml\n"
    h.send_bytes(200, body.encode(), "text/plain")


def _slow(h: _Handler, hits: int) -> None:
    time.sleep(h.server.slow_seconds)
    h.page("迟到的页面")


def _reset(h: _Handler, hits: int) -> None:
    body = article_html("中途断开").encode() * 20
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body[: len(body) // 3])
    h.reset_connection()


def _flaky(h: _Handler, hits: int) -> None:
    if hits == 1:
        h.send_bytes(503, b"<html>503 Service Unavailable</html>", "text/html")
    else:
        h.page("重试后成功")


def _rate_limited(h: _Handler, hits: int) -> None:
    if hits == 1:
        h.send_bytes(429, b"<html>429 Too Many Requests</html>", "text/html", ("Retry-After", "1"))
    else:
        h.page("限流之后")


def _rate_limited_long(h: _Handler, hits: int) -> None:
    if hits == 1:
        h.send_bytes(429, b"<html>come back in an hour</html>", "text/html", ("Retry-After", "3600"))
    else:
        h.page("限流一小时之后")


def _error500(h: _Handler, hits: int) -> None:
    h.send_bytes(500, b"<html>500 Internal Server Error</html>", "text/html")


def _truncated_gzip(h: _Handler, hits: int) -> None:
    packed = gzip.compress(article_html("截断的压缩").encode() * 5, mtime=0)
    h.send_bytes(
        200, packed[: len(packed) // 2], "text/html; charset=utf-8", ("Content-Encoding", "gzip")
    )


def _gzip_bomb(h: _Handler, hits: int) -> None:
    h.send_bytes(200, h.server.bomb(), "text/html; charset=utf-8", ("Content-Encoding", "gzip"))


def _gzip_bomb_large(h: _Handler, hits: int) -> None:
    # The same bomb eight times over: bigger on the wire than a small download size limit.
    h.send_bytes(200, h.server.bomb() * 8, "text/html; charset=utf-8", ("Content-Encoding", "gzip"))


def _oversize(h: _Handler, hits: int) -> None:
    filler = ("<p>" + ARTICLE_TEXT * 20 + "</p>\n").encode()
    total = h.server.oversize_bytes
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(total))
    h.end_headers()
    sent = 0
    while sent < total:
        piece = filler[: total - sent]
        try:
            h.wfile.write(piece)
        except OSError:  # the client gave up at its size limit
            return
        sent += len(piece)


def _redirect(target: str) -> Route:
    def respond(h: _Handler, hits: int) -> None:
        location = target.format(port=h.server.port)
        h.send_bytes(302, b"", "text/html", ("Location", location))

    return respond


def _pdf(h: _Handler, hits: int) -> None:
    h.send_bytes(200, PDF, "application/pdf")


def _image(h: _Handler, hits: int) -> None:
    h.send_bytes(200, _png(), "image/png")


def _garbage(h: _Handler, hits: int) -> None:
    noise = random.Random(7).randbytes(64 * 1024)
    h.send_bytes(200, noise, "text/html; charset=utf-8")


def _charset_mismatch(h: _Handler, hits: int) -> None:
    body = article_html("声明与实际编码不符", charset="utf-8").encode("gbk")
    h.send_bytes(200, body, "text/html; charset=utf-8")


def _invalid_utf8(h: _Handler, hits: int) -> None:
    good = article_html("无效的UTF-8字节").encode()
    middle = good.index(b"</h1>")
    h.send_bytes(
        200, good[:middle] + b"\xff\xfe\xc3\x28\xe4\xb8" + good[middle:], "text/html; charset=utf-8"
    )


def _empty(h: _Handler, hits: int) -> None:
    h.send_bytes(200, b"", "text/html; charset=utf-8")


def _deep(h: _Handler, hits: int) -> None:
    depth = 100_000
    body = "<html><body>" + "<div>" * depth + ARTICLE_TEXT + "</div>" * depth + "</body></html>"
    h.send_bytes(200, body.encode(), "text/html; charset=utf-8")


def _sitemap_bomb(h: _Handler, hits: int) -> None:
    h.send_bytes(200, BILLION_LAUGHS, "application/xml")


def _sitemap_xxe(h: _Handler, hits: int) -> None:
    probe = f"{h.server.url}/xxe-probe"
    body = (
        '<?xml version="1.0"?>\n<!DOCTYPE urlset [\n'
        '<!ENTITY local SYSTEM "file:///etc/passwd">\n'
        f'<!ENTITY remote SYSTEM "{probe}">\n]>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>&local;</loc></url><url><loc>&remote;</loc></url></urlset>\n"
    )
    h.send_bytes(200, body.encode(), "application/xml")


def _private(h: _Handler, hits: int) -> None:
    h.page("robots.txt 不允许的页面")


def _chinese(h: _Handler, hits: int) -> None:
    h.page("中文路径的页面")


ESC = "\x1b"
# Text from a page is data (issue 18): markup-like brackets, ANSI and OSC escape sequences
# (colour, an OSC 8 link, a window title), NUL, bidirectional overrides, brackets that belong
# to the title, and a title of over 10,000 characters.
HOSTILE_TITLE = (
    f"[/] [bold red]厚街红字[/bold red] {ESC}[31m转义{ESC}[0m "
    f"{ESC}]8;;http://evil.example/{ESC}\\链接{ESC}]8;;{ESC}\\ {ESC}]0;窗口标题\x07"
    "\u202e倒序文字\u202c \u2066隔离\u2069 空\x00字 [视频]【独家】" + "长" * 10_000
)
HOSTILE_SOURCE = "[link=http://x]中国报道[/link]"


def hostile_html() -> str:
    """An article page whose every field carries text that must not reach a terminal as such."""
    return (
        f'<html><head><meta charset="utf-8"><title>{HOSTILE_TITLE}</title></head><body>'
        f'<div class="location">位置:首页 >> [red]乡村{ESC}[5m[/red]</div><h1>{HOSTILE_TITLE}</h1>'
        f'<div class="time">发布时间:2024-02-26 11:33:41 来源:{HOSTILE_SOURCE}</div>'
        f'<div class="row article"><p>中国报道讯(记者 [bold]张三{ESC}[2J[/bold])近日,厚街镇召开'
        f'会议,\u202e部署{ESC}]0;标题\x07重点任务[/]。</p><p>{ARTICLE_TEXT}</p></div>'
        f"<div>责任编辑:[i]陈伟赞[/i]</div></body></html>"
    )


def _hostile(h: _Handler, hits: int) -> None:
    h.send_bytes(200, hostile_html().encode(), "text/html; charset=utf-8")


def _hits(h: _Handler, hits: int) -> None:
    h.send_bytes(
        200, json.dumps(h.server.hits_snapshot(), ensure_ascii=False).encode(), "application/json"
    )


# path -> (label on the index page, handler); one route per fault.
ROUTES: dict[str, tuple[str, Route]] = {
    "/": ("index", _index),
    "/robots.txt": ("robots", _robots),
    "/slow.html": ("slow past the download timeout", _slow),
    "/reset.html": ("connection reset mid-body", _reset),
    "/flaky-503.html": ("503 then 200", _flaky),
    "/rate-limited.html": ("429 with Retry-After", _rate_limited),
    "/rate-limited-long.html": ("429 asking for an hour", _rate_limited_long),
    "/error-500.html": ("500 forever", _error500),
    "/truncated-gzip.html": ("truncated gzip", _truncated_gzip),
    "/gzip-bomb.html": ("gzip bomb", _gzip_bomb),
    "/gzip-bomb-large.html": ("gzip bomb larger than the size limit on the wire", _gzip_bomb_large),
    "/oversize.html": ("over the size limit", _oversize),
    "/redirect-loop-a.html": ("redirect loop", _redirect("/redirect-loop-b.html")),
    "/redirect-loop-b.html": ("redirect loop, second hop", _redirect("/redirect-loop-a.html")),
    "/offsite-redirect.html": (
        "redirect to another host",
        _redirect("http://localhost:{port}/offsite-landing.html"),
    ),
    "/offsite-landing.html": ("offsite landing", _chinese),
    "/document.pdf": ("a PDF", _pdf),
    "/photo.png": ("an image", _image),
    "/garbage.html": ("binary garbage as text/html", _garbage),
    "/charset-mismatch.html": ("declares UTF-8, sends GBK", _charset_mismatch),
    "/invalid-utf8.html": ("invalid UTF-8", _invalid_utf8),
    "/empty.html": ("empty 200", _empty),
    "/deep-nesting.html": ("100,000 nested divs", _deep),
    "/sitemap-bomb.xml": ("sitemap entity-expansion bomb", _sitemap_bomb),
    "/sitemap-xxe.xml": ("sitemap with external entities", _sitemap_xxe),
    "/private.html": ("disallowed by robots.txt", _private),
    CHINESE_PATH: ("Chinese path and query", _chinese),
    "/hostile-text.html": ("markup, escape sequences and bidi overrides in every field", _hostile),
    "/__hits__": ("hit counts", _hits),
}


class FaultHTTPServer(ThreadingHTTPServer):
    """The threaded server holding the fault settings and per-path hit counts."""

    daemon_threads = True
    block_on_close = False
    # A crawler opens many connections at once; the default backlog of 5 drops SYNs, and
    # the client's 1 s SYN retransmit then looks like a connect timeout.
    request_queue_size = 128

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        slow_seconds: float = 10.0,
        bomb_bytes: int = 2 << 30,
        oversize_bytes: int = 64 << 20,
    ) -> None:
        super().__init__((host, port), _Handler)
        self.port = int(self.server_address[1])
        self.url = f"http://{host}:{self.port}"
        self.slow_seconds = slow_seconds
        self.bomb_bytes = bomb_bytes
        self.oversize_bytes = oversize_bytes
        self._hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._bomb: bytes | None = None

    def hit(self, path: str) -> int:
        """Count a request for ``path``; return how many there have been, this one included."""
        with self._lock:
            self._hits[path] += 1
            return self._hits[path]

    def hits_snapshot(self) -> dict[str, int]:
        """Requests per path so far."""
        with self._lock:
            return dict(self._hits)

    def bomb(self) -> bytes:
        """The gzip bomb, built on first use."""
        with self._lock:
            if self._bomb is None:
                self._bomb = gzip_bomb(self.bomb_bytes)
            return self._bomb

    def handle_error(self, request: object, client_address: object) -> None:
        """Broken connections are the point here; log them at debug level only."""
        error = sys.exc_info()[1]
        logger.debug("connection from %s ended: %r", client_address, error)


class FaultServer:
    """The fault server in a background thread (in-process use); ``.url``, ``.stop()``."""

    def __init__(self, **settings: float) -> None:
        self.httpd = FaultHTTPServer(**settings)  # type: ignore[arg-type]
        self.url = self.httpd.url
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or Ctrl-C, printing the URL first."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--slow-seconds", type=float, default=10.0)
    parser.add_argument("--bomb-mb", type=int, default=2048, help="decompressed size of the bomb")
    parser.add_argument("--oversize-mb", type=int, default=64)
    args = parser.parse_args(argv)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with FaultServer(
        port=args.port,
        slow_seconds=args.slow_seconds,
        bomb_bytes=args.bomb_mb << 20,
        oversize_bytes=args.oversize_mb << 20,
    ) as server:
        server.httpd.bomb()  # built before serving, so no request waits for it
        print(server.url, flush=True)
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
