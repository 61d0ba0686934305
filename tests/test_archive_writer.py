"""WarcWriter: records read back through warcio, `warcio check` on every file, rotation, revisits."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.errors import ArchiveError
from archive.reader import iter_records, read_at
from archive.writer import WarcWriter, payload_digest

WARCIO = str(Path(sys.executable).with_name("warcio"))
PAGE = (
    "<html><head><title>厚街重点发力</title></head><body><p>中国报道讯</p></body></html>".encode()
)


def warcio_check(path: Path) -> None:
    result = subprocess.run(
        [WARCIO, "check", "-v", str(path)], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fail" not in result.stdout.lower(), result.stdout


def records(path: Path) -> list:
    with open(path, "rb") as handle:
        out = []
        for rec in ArchiveIterator(handle):
            out.append(
                (rec.rec_type, rec.rec_headers, rec.http_headers, rec.content_stream().read())
            )
        return out


def finished(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.warc.gz"))


def test_gzip_exchange_round_trips_with_encoding_kept(tmp_path: Path) -> None:
    body = gzip.compress(PAGE)
    with WarcWriter(tmp_path, user_agent="chinareport-test/1.0", robots="obey") as writer:
        loc = writer.write_exchange(
            url="http://www.chinareports.org.cn/xc/2024/0226/1.html?from=list",
            request_headers=[("User-Agent", "chinareport-test/1.0"), ("Accept-Encoding", "gzip")],
            protocol="HTTP/1.1",
            status=200,
            response_headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
                ("Set-Cookie", "a=1; Path=/"),
                ("Set-Cookie", "b=2; Path=/"),
            ],
            body=body,
            ip_address="127.0.0.1",
        )
        assert list(tmp_path.glob("*.warc.gz.open")), "file must be .open while written"
    [path] = finished(tmp_path)
    assert not list(tmp_path.glob("*.open"))
    assert loc.filename == path.name
    warcio_check(path)

    recs = records(path)
    assert [r[0] for r in recs] == ["warcinfo", "response", "request"]
    info = recs[0][3].decode()
    for field in (
        "software: chinareport-archive",
        "format: WARC File Format 1.1",
        "conformsTo:",
        "robots: obey",
        "http-header-user-agent: chinareport-test/1.0",
        "hostname:",
    ):
        assert field in info
    _, rec_headers, http, decoded = recs[1]
    assert rec_headers.protocol == "WARC/1.1"
    assert http.statusline == "200 OK" and http.protocol == "HTTP/1.1"
    assert http.get_header("Content-Encoding") == "gzip"
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("Content-Length") == str(len(body))
    assert [v for k, v in http.headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    assert rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert (
        rec_headers.get_header("WARC-Payload-Digest") == payload_digest(body) == loc.payload_digest
    )
    assert decoded == PAGE
    req_headers, req_http = recs[2][1], recs[2][2]
    assert req_headers.get_header("WARC-Concurrent-To") == rec_headers.get_header("WARC-Record-ID")
    assert (
        req_http.protocol == "GET"
        and req_http.statusline == "/xc/2024/0226/1.html?from=list HTTP/1.1"
    )
    assert req_http.get_header("Host") == "www.chinareports.org.cn"

    back = read_at(tmp_path, loc)
    assert back.raw_body == body and back.body == PAGE and back.status == 200
    assert back.header_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert back.locator == loc


def test_identity_response_and_non_200(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        ok = writer.write_exchange(
            url="http://a.test/",
            status=200,
            body=PAGE,
            response_headers=[("Content-Type", "text/html")],
        )
        missing = writer.write_exchange(url="http://a.test/gone", status=404, body=b"nope")
        moved = writer.write_exchange(
            url="http://a.test/old", status=301, response_headers=[("Location", "/new")]
        )
    [path] = finished(tmp_path)
    warcio_check(path)
    got = {r.uri: r for r in iter_records([path])}
    assert got["http://a.test/"].body == PAGE
    assert (got["http://a.test/gone"].status, got["http://a.test/gone"].body) == (404, b"nope")
    assert got["http://a.test/old"].header("Location") == "/new"
    assert [ok.offset, missing.offset, moved.offset] == sorted(
        {ok.offset, missing.offset, moved.offset}
    )
    http = records(path)[3][2]
    assert http.statusline == "404 Not Found"


def test_chinese_url_is_percent_encoded_ascii(tmp_path: Path) -> None:
    url = "http://例子.中国/乡村/新闻.html?关键词=厚街&page=2"
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(url=url, status=200, body=PAGE)
    [path] = finished(tmp_path)
    warcio_check(path)
    raw = gzip.decompress(path.read_bytes())
    target = next(line for line in raw.split(b"\r\n") if line.startswith(b"WARC-Target-URI"))
    assert target.isascii()
    assert target == (
        b"WARC-Target-URI: http://xn--fsqu00a.xn--fiqs8s/%E4%B9%A1%E6%9D%91/%E6%96%B0%E9%97%BB.html"
        b"?%E5%85%B3%E9%94%AE%E8%AF%8D=%E5%8E%9A%E8%A1%97&page=2"
    )
    assert b"GET /%E4%B9%A1%E6%9D%91/%E6%96%B0%E9%97%BB.html?%E5%85%B3" in raw
    # an already encoded URI is left alone
    with WarcWriter(tmp_path / "b") as writer:
        loc = writer.write_exchange(url="http://a.test/%E4%B9%A1?q=a%20b", status=200, body=b"x")
    assert read_at(tmp_path / "b", loc).uri == "http://a.test/%E4%B9%A1?q=a%20b"


def test_revisit_written_only_for_identical_payload(tmp_path: Path) -> None:
    body = gzip.compress(PAGE)
    url = "http://a.test/乡村/1.html"
    with WarcWriter(tmp_path) as writer:
        first = writer.write_exchange(
            url=url, status=200, body=body, response_headers=[("Content-Encoding", "gzip")]
        )
        previous = (first.payload_digest, url, first.warc_date)
        same = writer.write_exchange(
            url=url,
            status=200,
            body=body,
            revisit_of=previous,
            response_headers=[("Content-Encoding", "gzip")],
        )
        changed = writer.write_exchange(
            url=url,
            status=200,
            body=gzip.compress(PAGE + b"!"),
            revisit_of=previous,
            response_headers=[("Content-Encoding", "gzip")],
        )
    assert (first.record_type, same.record_type, changed.record_type) == (
        "response",
        "revisit",
        "response",
    )
    [path] = finished(tmp_path)
    warcio_check(path)
    revisit = read_at(tmp_path, same)
    assert revisit.record_type == "revisit" and revisit.raw_body == b""
    assert revisit.refers_to_uri == revisit.uri == first_uri(tmp_path, first)
    assert revisit.refers_to_date == first.warc_date
    assert revisit.payload_digest == first.payload_digest
    rec_headers = records(path)[3][1]
    assert rec_headers.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )


def first_uri(directory: Path, loc) -> str:
    return read_at(directory, loc).uri


def test_truncated_body_is_marked(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        loc = writer.write_exchange(
            url="http://a.test/big", status=200, body=b"x" * 100, truncated="length"
        )
    [path] = finished(tmp_path)
    warcio_check(path)
    assert records(path)[1][1].get_header("WARC-Truncated") == "length"
    assert read_at(tmp_path, loc).body == b"x" * 100


def test_rotation_at_size_limit_gives_unique_names_each_with_warcinfo(tmp_path: Path) -> None:
    import os

    locators = []
    with WarcWriter(tmp_path, max_size=3000, host="crawler-1") as writer:
        for i in range(12):
            locators.append(
                writer.write_exchange(
                    url=f"http://a.test/{i}.html", status=200, body=os.urandom(900)
                )
            )
    with WarcWriter(tmp_path, max_size=3000, host="crawler-1") as other:
        other.write_exchange(url="http://a.test/x.html", status=200, body=b"x")
    paths = finished(tmp_path)
    assert len(paths) >= 4
    assert len({p.name for p in paths}) == len(paths)
    assert all("-crawler-1-" in p.name and f"-{os.getpid()}.warc.gz" in p.name for p in paths)
    for path in paths:
        warcio_check(path)
        assert records(path)[0][0] == "warcinfo"
        assert path.stat().st_size < 3000 + 2 * 1100
    for i, loc in enumerate(locators):
        assert read_at(tmp_path, loc).uri == f"http://a.test/{i}.html"


def test_closed_writer_and_unwritable_directory_raise(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    writer.close()
    with pytest.raises(ArchiveError):
        writer.write_exchange(url="http://a.test/", status=200, body=b"")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ArchiveError, match="cannot write WARC"):
        WarcWriter(blocker / "warc").write_exchange(url="http://a.test/", status=200, body=b"")
