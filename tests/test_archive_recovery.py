"""Recovery of `.open` WARCs left by a killed crawl: complete records kept, torn tail dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from archive.reader import iter_records
from archive.recovery import recover_directory
from archive.writer import OPEN_SUFFIX, WarcWriter

WARCIO = str(Path(sys.executable).with_name("warcio"))
ROOT = Path(__file__).resolve().parents[1]


def warcio_check(path: Path) -> None:
    result = subprocess.run(
        [WARCIO, "check", str(path)], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def write_then_get_killed(directory: Path, count: int) -> list[dict]:
    """A child process writes `count` exchanges and dies (os._exit) without closing."""
    script = textwrap.dedent(
        f"""
        import json, os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from archive.writer import WarcWriter
        writer = WarcWriter({str(directory)!r}, host="dead-host")
        locs = [writer.write_exchange(url=f"http://a.test/{{i}}", status=200, body=os.urandom(5000))
                for i in range({count})]
        print(json.dumps([l.as_dict() for l in locs]), flush=True)
        os._exit(9)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert result.returncode == 9, result.stderr
    import json

    return json.loads(result.stdout)


def test_file_cut_mid_record_is_truncated_and_renamed(tmp_path: Path) -> None:
    locs = write_then_get_killed(tmp_path, 4)
    [leftover] = tmp_path.glob("*" + OPEN_SUFFIX)
    last = locs[-1]
    # The kill tore the last exchange: cut inside its response record.
    cut_at = last["offset"] + last["length"] // 2
    os.truncate(leftover, cut_at)

    [report] = recover_directory(tmp_path)
    assert report.file == str(leftover)
    assert report.records_kept == 1 + 2 * 3  # warcinfo + three whole exchanges
    assert report.bytes_kept == last["offset"]
    assert report.bytes_dropped == cut_at - last["offset"]
    assert "dropped" in report.describe()
    assert not list(tmp_path.glob("*" + OPEN_SUFFIX))
    [closed] = tmp_path.glob("*.warc.gz")
    assert closed.name == report.final_name == leftover.name.removesuffix(OPEN_SUFFIX)
    assert closed.stat().st_size == last["offset"]
    warcio_check(closed)
    assert [r.uri for r in iter_records([closed])] == [f"http://a.test/{i}" for i in range(3)]
    assert recover_directory(tmp_path) == []


def test_intact_leftover_is_kept_whole_and_empty_one_removed(tmp_path: Path) -> None:
    locs = write_then_get_killed(tmp_path, 2)
    [leftover] = tmp_path.glob("*" + OPEN_SUFFIX)
    size = leftover.stat().st_size
    torn = tmp_path / ("chinareport-0-00001-dead-host-1.warc.gz" + OPEN_SUFFIX)
    torn.write_bytes(leftover.read_bytes()[:40])  # not even the warcinfo survived

    reports = {Path(r.file).name: r for r in recover_directory(tmp_path)}
    whole = reports[leftover.name]
    assert (whole.records_kept, whole.bytes_kept, whole.bytes_dropped) == (5, size, 0)
    assert reports[torn.name].final_name is None and not torn.exists()
    [closed] = tmp_path.glob("*.warc.gz")
    assert [r.locator.offset for r in iter_records([closed])] == [loc["offset"] for loc in locs]


def test_file_of_a_live_writer_is_left_alone(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    writer.write_exchange(url="http://a.test/", status=200, body=b"live")
    assert recover_directory(tmp_path) == []
    assert len(list(tmp_path.glob("*" + OPEN_SUFFIX))) == 1
    # and from another process, which sees the writer's lock
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
        f"from archive.recovery import recover_directory; "
        f"print(len(recover_directory({str(tmp_path)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True
    )
    assert out.stdout.strip() == "0", out.stderr
    writer.close()
    assert len(list(tmp_path.glob("*.warc.gz"))) == 1
