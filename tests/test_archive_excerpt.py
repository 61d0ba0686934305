"""Copying chosen records out of real WARC files: byte for byte, with a warcinfo of their own."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.excerpt import RecordCopier
from archive.writer import WarcLocator, WarcWriter

PAGE = "<html><head><title>厚街</title></head><body><p>厚街镇推动乡村振兴。</p></body></html>"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]


def _archive(folder: Path) -> tuple[Path, list[WarcLocator]]:
    """A WARC with three exchanges: a.html, b.html, and a.html again as a revisit."""
    body = gzip.compress(PAGE.encode(), mtime=0)
    with WarcWriter(folder) as writer:
        first = writer.write_exchange(url="http://example.cn/a.html", status=200,
                                      response_headers=HEADERS, body=body,
                                      warc_date=datetime(2024, 2, 26, tzinfo=UTC))
        other = writer.write_exchange(url="http://example.cn/b.html", status=200,
                                      response_headers=HEADERS, body=b"<p>b</p>")
        again = writer.write_exchange(url="http://example.cn/a.html", status=200,
                                      response_headers=HEADERS, body=body,
                                      revisit_of=(first.payload_digest,
                                                  "http://example.cn/a.html", first.warc_date))
    (path,) = folder.glob("*.warc.gz")
    return path, [first, other, again]


def _records(path: Path) -> list[tuple[str, str, bytes]]:
    """(type, record id, stored bytes) of every record of a WARC file."""
    data = path.read_bytes()
    out = []
    with path.open("rb") as stream:
        it = ArchiveIterator(stream)
        for record in it:
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            it.read_to_end(record)
            start = it.get_record_offset()
            out.append((record.rec_type, record_id, data[start:start + it.get_record_length()]))
    return out


def _warcio_check(path: Path) -> None:
    warcio = Path(sys.executable).parent / "warcio"
    result = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout


def test_exchanges_are_copied_byte_for_byte_after_a_warcinfo_of_their_own(tmp_path):
    source, (first, other, again) = _archive(tmp_path / "src")
    copier = RecordCopier(tmp_path / "out", {"selection": "厚街", "source-warc-dir": "/data"})
    with copier:
        assert copier.copy_exchange(source, again.offset, again.length)
        assert copier.copy_exchange(source, first.offset, first.length)
        assert copier.copy_exchange(source, first.offset, first.length)  # asked twice: once
    report = copier.report
    assert report.problems == [] and report.exchanges == 2 and report.records == 4
    (out,) = report.files
    _warcio_check(out)
    original = {rid: (kind, data) for kind, rid, data in _records(source)}
    copied = _records(out)
    assert copied[0][0] == "warcinfo"
    with out.open("rb") as stream:
        info = next(iter(ArchiveIterator(stream))).content_stream().read().decode("utf-8")
    assert "selection: 厚街" in info and "source-warc-dir: /data" in info
    assert "software: chinareport-archive/" in info
    kinds = [kind for kind, _, _ in copied[1:]]
    assert kinds == ["revisit", "request", "response", "request"]
    for kind, rid, data in copied[1:]:
        assert original[rid] == (kind, data)  # the same record, the same gzip member
    assert other.record_id not in {rid for _, rid, _ in copied}
    assert report.unresolved_revisits() == []
    assert {(r.source, r.offset) for r in report.copied if r.record_type != "request"} == {
        (source.name, first.offset), (source.name, again.offset)} == report.replayable()


def test_a_revisit_without_its_original_is_reported(tmp_path):
    source, (_, _, again) = _archive(tmp_path / "src")
    with RecordCopier(tmp_path / "out", {}) as copier:
        copier.copy_exchange(source, again.offset, again.length)
    (revisit,) = copier.report.unresolved_revisits()
    assert revisit.uri == "http://example.cn/a.html"
    assert copier.report.replayable() == set()


def test_a_damaged_record_is_named_and_the_others_still_copied(tmp_path):
    source, (first, other, again) = _archive(tmp_path / "src")
    data = bytearray(source.read_bytes())
    middle = other.offset + other.length // 2
    data[middle:middle + 6] = b"\xff" * 6
    source.write_bytes(bytes(data))
    with RecordCopier(tmp_path / "out", {}) as copier:
        for locator in (first, other, again):
            copier.copy_exchange(source, locator.offset, locator.length)
    (problem,) = copier.report.problems
    assert problem.startswith(f"{source} at offset {other.offset}: ")
    assert copier.report.exchanges == 2
    _warcio_check(copier.report.files[0])


def test_a_response_whose_request_is_cut_off_is_not_copied_alone(tmp_path):
    source, (first, _, again) = _archive(tmp_path / "src")
    cut = again.offset + again.length + 10  # inside the last request record
    source.write_bytes(source.read_bytes()[:cut])
    with RecordCopier(tmp_path / "out", {}) as copier:
        assert not copier.copy_exchange(source, again.offset, again.length)
        assert not copier.copy_exchange(source, first.offset + 1, first.length)
    first_problem, second_problem = copier.report.problems
    assert first_problem.startswith(f"{source} at offset {again.offset + again.length}: ")
    assert second_problem.startswith(f"{source} at offset {first.offset + 1}: ")
    assert copier.report.records == 0 and copier.report.files == []  # no empty file either


def test_new_files_rotate_each_with_its_warcinfo(tmp_path):
    source, locators = _archive(tmp_path / "src")
    with RecordCopier(tmp_path / "out", {}, max_size=1) as copier:
        for locator in locators:
            copier.copy_exchange(source, locator.offset, locator.length)
    assert len(copier.report.files) == 3
    for path in copier.report.files:  # an exchange is never split over two files
        assert [kind for kind, _, _ in _records(path)] in (
            ["warcinfo", "response", "request"], ["warcinfo", "revisit", "request"])
        _warcio_check(path)
