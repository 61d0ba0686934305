"""Reading WARCs back: every Content-Encoding decoded, warcio's own content_stream() fixed, damage reported."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import brotli
import pytest
import zstandard
from warcio.archiveiterator import ArchiveIterator

from archive.errors import ArchiveError
from archive.reader import iter_records, read_at, read_record
from archive.writer import WarcWriter

PAGE = ("<html><title>东莞厚街</title><p>" + "乡村振兴" * 500 + "</p></html>").encode("utf-8")

ENCODINGS = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}


def write_encoded(directory: Path, encoding: str) -> Path:
    body = ENCODINGS[encoding](PAGE)
    with WarcWriter(directory) as writer:
        writer.write_exchange(
            url=f"http://a.test/{encoding}.html",
            status=200,
            response_headers=[("Content-Type", "text/html"), ("Content-Encoding", encoding)],
            body=body,
        )
    [path] = directory.glob("*.warc.gz")
    return path


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_each_content_encoding_decodes(tmp_path: Path, encoding: str) -> None:
    path = write_encoded(tmp_path, encoding)
    [response] = iter_records([path])
    assert response.raw_body == ENCODINGS[encoding](PAGE)
    assert response.raw_body != PAGE
    assert response.body == PAGE
    # warcio's own reader, used by other tools in this process, decodes it too
    with open(path, "rb") as handle:
        decoded = [
            r.content_stream().read() for r in ArchiveIterator(handle) if r.rec_type == "response"
        ]
    assert decoded == [PAGE]


def test_raw_deflate_and_stacked_encodings(tmp_path: Path) -> None:
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = raw_deflate.compress(PAGE) + raw_deflate.flush()
    stacked = brotli.compress(gzip.compress(PAGE))
    with WarcWriter(tmp_path) as writer:
        a = writer.write_exchange(
            url="http://a.test/raw",
            status=200,
            body=body,
            response_headers=[("Content-Encoding", "deflate")],
        )
        b = writer.write_exchange(
            url="http://a.test/two",
            status=200,
            body=stacked,
            response_headers=[("Content-Encoding", "gzip, br")],
        )
    assert read_at(tmp_path, a).body == PAGE
    assert read_at(tmp_path, b).body == PAGE


def test_chunked_body_from_another_tool_is_dechunked(tmp_path: Path) -> None:
    # Other crawlers store the chunked wire form; warcio's writer keeps what it is given.
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    gz = gzip.compress(PAGE)
    chunked = (
        b"".join(
            b"%x\r\n%s\r\n" % (len(gz[i : i + 100]), gz[i : i + 100])
            for i in range(0, len(gz), 100)
        )
        + b"0\r\n\r\n"
    )
    path = tmp_path / "other.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        http = StatusAndHeaders(
            "200 OK",
            [("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")],
            protocol="HTTP/1.1",
        )
        writer.write_record(
            writer.create_warc_record(
                "http://a.test/c",
                "response",
                payload=BytesIO(chunked),
                length=len(chunked),
                http_headers=http,
            )
        )
    [response] = iter_records([path])
    assert response.body == PAGE


def test_wrong_encoding_label_leaves_body_as_stored(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        loc = writer.write_exchange(
            url="http://a.test/liar",
            status=200,
            body=PAGE,
            response_headers=[("Content-Encoding", "gzip")],
        )
    assert read_at(tmp_path, loc).body == PAGE


def test_read_record_seeks_to_each_locator(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        locs = [
            writer.write_exchange(url=f"http://a.test/{i}", status=200, body=b"%d" % i)
            for i in range(5)
        ]
    for i, loc in reversed(list(enumerate(locs))):
        got = read_record(tmp_path / loc.filename, loc.offset, loc.length)
        assert (got.uri, got.body, got.locator) == (f"http://a.test/{i}", b"%d" % i, loc)
    assert [r.locator for r in iter_records(sorted(tmp_path.glob("*.warc.gz")))] == locs
    with pytest.raises(ArchiveError, match="no response or revisit"):
        # offset 0 holds the warcinfo record
        read_record(tmp_path / locs[0].filename, 0, locs[0].offset)


def test_truncated_and_corrupt_files_name_file_and_offset(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        first = writer.write_exchange(url="http://a.test/1", status=200, body=PAGE)
        second = writer.write_exchange(url="http://a.test/2", status=200, body=PAGE)
    [path] = tmp_path.glob("*.warc.gz")
    data = path.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: second.offset + second.length // 2])
    seen = []
    with pytest.raises(ArchiveError, match=rf"cut\.warc\.gz at offset {second.offset}"):
        for response in iter_records([cut]):
            seen.append(response.uri)
    assert seen == ["http://a.test/1"]

    garbled = tmp_path / "garbled.warc.gz"
    garbled.write_bytes(data[: first.offset] + b"\x1f\x8b" + b"junk" * 50)
    with pytest.raises(ArchiveError, match=rf"garbled\.warc\.gz at offset {first.offset}"):
        list(iter_records([garbled]))

    with pytest.raises(ArchiveError, match=r"cut\.warc\.gz at offset"):
        read_record(cut, second.offset, second.length)
    with pytest.raises(ArchiveError, match="cannot open"):
        list(iter_records([tmp_path / "missing.warc.gz"]))
