"""WARC costs: writer and reader throughput, and a crawl with and without WarcCapture in one run.

Run: python bench/bench_warc.py [--records 5000] [--pages 1000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warcio.archiveiterator import ArchiveIterator

from archive.reader import iter_records
from archive.writer import WarcWriter


def article(i: int) -> bytes:
    text = "".join(
        f"<p>第{i}篇文章,第{j}段:厚街镇推进乡村振兴,发展特色产业。</p>" for j in range(40)
    )
    return f"<html><head><title>文章{i}</title></head><body>{text}</body></html>".encode()


def bench_writer(directory: Path, records: int) -> dict[str, float]:
    bodies = [gzip.compress(article(i), mtime=0) for i in range(200)]
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]
    start = time.perf_counter()
    with WarcWriter(directory) as writer:
        for i in range(records):
            writer.write_exchange(
                url=f"http://bench.test/a/{i}.html",
                status=200,
                response_headers=headers,
                body=bodies[i % len(bodies)],
                request_headers=[("User-Agent", "bench")],
            )
    elapsed = time.perf_counter() - start
    size = sum(p.stat().st_size for p in directory.glob("*.warc.gz"))
    return {
        "exchanges_per_s": records / elapsed,
        "mb_per_s": size / elapsed / 1e6,
        "file_mb": size / 1e6,
    }


def bench_reader(directory: Path) -> dict[str, float]:
    paths = sorted(directory.glob("*.warc.gz"))
    start = time.perf_counter()
    bare = 0
    for path in paths:
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    record.content_stream().read()
                    bare += 1
    bare_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = sum(1 for _ in iter_records(paths))
    ours_s = time.perf_counter() - start
    assert ours == bare
    return {"warcio_records_per_s": bare / bare_s, "reader_records_per_s": ours / ours_s}


class Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages = 1000

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        i = int(self.path.strip("/").split(".")[0] or 0)
        links = "".join(
            f'<a href="/{j}.html">{j}</a>' for j in range(i * 10 + 1, i * 10 + 11) if j < self.pages
        )
        body = gzip.compress(article(i).replace(b"</body>", links.encode() + b"</body>"), 5)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


CRAWL = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {root!r})
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Bench(scrapy.Spider):
        name = "bench"
        start_urls = [{home!r}]

        def parse(self, response):
            yield from response.follow_all(css="a", callback=self.parse)

    settings = {{
        "ROBOTSTXT_OBEY": False, "REMOTE_CONTROL_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 16,
        "DEFAULT_REQUEST_HEADERS": {{"Accept-Encoding": "gzip, deflate"}},
    }}
    if {warc_dir!r}:
        settings.update({{"EXTENSIONS": {{"crawler.extensions.warc_capture.WarcCapture": 0}},
                          "WARC_DIR": {warc_dir!r}}})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Bench)
    process.crawl(crawler)
    start = time.perf_counter()
    process.start()
    print(json.dumps({{"pages": crawler.stats.get_value("response_received_count"),
                      "seconds": time.perf_counter() - start}}))
    """
)


def crawl(home: str, warc_dir: str, workdir: Path) -> float:
    script = workdir / "bench_crawl.py"
    script.write_text(CRAWL.format(root=str(ROOT), home=home, warc_dir=warc_dir))
    out = subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["pages"] / result["seconds"]


def bench_crawl(workdir: Path, pages: int, rounds: int) -> dict[str, float]:
    Site.pages = pages
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = f"http://127.0.0.1:{server.server_port}/0.html"
    plain, archived = [], []
    try:
        for n in range(rounds):  # interleaved, so load from other processes hits both alike
            plain.append(crawl(home, "", workdir))
            archived.append(crawl(home, str(workdir / f"warc-{n}"), workdir))
    finally:
        server.shutdown()
    best_plain, best_archived = max(plain), max(archived)
    return {
        "pages_per_s_without_warc": best_plain,
        "pages_per_s_with_warc": best_archived,
        "warc_cost_percent": 100 * (1 - best_archived / best_plain),
    }


def run(quick: bool = False) -> list[dict[str, float]]:
    """Rows for the suite's table: WARC writer and reader throughput."""
    from bench.common import row

    records = 1000 if quick else 5000
    writes, bare, ours = [], [], []
    for attempt in range(1 if quick else 3):
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp) / f"w{attempt}"
            writes.append(bench_writer(directory, records)["exchanges_per_s"])
            read = bench_reader(directory)
            bare.append(read["warcio_records_per_s"])
            ours.append(read["reader_records_per_s"])
    return [
        row("warc: writer", f"exchanges/s ({records} gzip records)", writes, "/s"),
        row("warc: reader", "records/s, bare warcio", bare, "/s"),
        row("warc: reader", "records/s, archive.reader", ours, "/s"),
    ]


def main() -> None:
    """Run the three measurements and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results = {"cpus": os.cpu_count(), "records": args.records, "pages": args.pages}
        results.update(bench_writer(workdir / "w", args.records))
        results.update(bench_reader(workdir / "w"))
        results.update(bench_crawl(workdir, args.pages, args.rounds))
    print(
        json.dumps(
            {k: round(v, 2) if isinstance(v, float) else v for k, v in results.items()}, indent=2
        )
    )


if __name__ == "__main__":
    main()
