"""CDXJ indexing through cdxj-indexer, and the `chinareport index` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner

from archive.index import write_cdxj
from archive.writer import WarcWriter
from crawler.cli.index_cmd import command

URLS = ["http://b.test/z.html", "http://a.test/乡村/1.html", "http://b.test/a.html?id=2"]


def make_warcs(directory: Path) -> list[Path]:
    for i, url in enumerate(URLS):
        with WarcWriter(directory) as writer:
            first = writer.write_exchange(
                url=url,
                status=200,
                body=b"<p>%d</p>" % i,
                response_headers=[("Content-Type", "text/html")],
            )
            writer.write_exchange(
                url=url,
                status=200,
                body=b"<p>%d</p>" % i,
                revisit_of=(first.payload_digest, url, first.warc_date),
            )
    return sorted(directory.glob("*.warc.gz"))


def parse(text: str) -> list[tuple[str, str, dict]]:
    lines = [line.split(" ", 2) for line in text.splitlines() if line]
    return [(key, ts, json.loads(data)) for key, ts, data in lines]


def test_index_is_sorted_and_points_at_records(tmp_path: Path) -> None:
    warcs = make_warcs(tmp_path / "warc")
    out = io.StringIO()
    write_cdxj(warcs, out)
    lines = out.getvalue().splitlines()
    assert lines == sorted(lines) and len(lines) == 2 * len(URLS)
    entries = parse(out.getvalue())
    assert entries[0][0].startswith("test,a)/%e4%b9%a1%e6%9d%91/1.html")
    mimes = sorted(e[2].get("mime") for e in entries)
    assert mimes == ["text/html"] * 3 + ["warc/revisit"] * 3
    names = {w.name for w in warcs}
    from archive.reader import read_at

    for _, _, data in entries:
        assert data["filename"] in names
        loc = {
            "filename": data["filename"],
            "offset": int(data["offset"]),
            "length": int(data["length"]),
            "record_type": "",
            "payload_digest": "",
            "warc_date": "",
            "record_id": "",
        }
        assert read_at(tmp_path / "warc", loc).uri == data["url"]


def test_index_command_defaults_to_data_dir_and_writes_file(tmp_path: Path) -> None:
    make_warcs(tmp_path / "warc")
    runner = CliRunner()
    result = runner.invoke(command, ["--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 6
    out = tmp_path / "index.cdxj"
    one = min((tmp_path / "warc").glob("*.warc.gz"))
    result = runner.invoke(command, [str(one), "-o", str(out), "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 2


def test_index_command_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(command, [str(tmp_path / "nope.warc.gz")])
    assert result.exit_code != 0
    assert result.output.strip().startswith("chinareport: error: no such WARC file")
    assert "Traceback" not in result.output
    result = runner.invoke(command, ["--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and "no WARC directory" in result.output
    bad = tmp_path / "bad.warc.gz"
    warcs = make_warcs(tmp_path / "w")
    data = warcs[0].read_bytes()
    bad.write_bytes(data[: len(data) - 100])  # the last record is cut short
    result = runner.invoke(command, [str(bad)])
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "bad.warc.gz" in result.output
