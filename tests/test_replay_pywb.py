"""Replay in a real replay tool: pywb, in a virtual environment of its own, serves our WARCs."""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import subprocess
import textwrap
import venv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.index import write_cdxj
from archive.writer import WarcWriter

PYWB_VERSION = "2.10.0"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
VENV = CACHE / "chinareport-pywb-venv" / f"pywb-{PYWB_VERSION}"

URL = "http://www.chinareports.org.cn/乡村/2024/0226/5732.html"
ENCODED = "http://www.chinareports.org.cn/%E4%B9%A1%E6%9D%91/2024/0226/5732.html"
TITLE = "2024年东莞厚街重点发力“三大行动”“三大工程”"
BODY = "中国报道讯(黄楚芳 报道)厚街镇以“百千万工程”为牵引,推动乡村振兴。"
PAGE = (
    f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{TITLE}</title></head>'
    f'<body><h1>{TITLE}</h1><div class="row article"><p>{BODY}</p></div></body></html>'
).encode()


def pywb_python() -> Path:
    """The pywb venv's interpreter, created once and cached (pywb cannot share our venv)."""
    python = VENV / "bin" / "python"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / f".lock-{PYWB_VERSION}", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers build it once
        if (VENV / ".complete").exists():
            return python
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        result = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"pywb=={PYWB_VERSION}", "webtest"],
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            pytest.skip(f"pip cannot install pywb {PYWB_VERSION}: {result.stderr.strip()[-500:]}")
        (VENV / ".complete").write_text("ok")
    return python


REPLAY = textwrap.dedent(
    """
    import json, sys
    from pywb.apps.frontendapp import FrontEndApp
    import webtest

    index, archive, urls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    app = webtest.TestApp(FrontEndApp(custom_config={
        "collections": {"c": {"index_paths": index, "archive_paths": archive}}}))
    out = {}
    for path in urls:
        res = app.get(path, expect_errors=True)
        out[path] = {"status": res.status_int, "text": res.body.decode("utf-8", "replace"),
                     "encoding": res.headers.get("Content-Encoding"),
                     "memento": res.headers.get("Memento-Datetime")}
    print(json.dumps(out))
    """
)


@pytest.mark.slow
def test_pywb_replays_gzip_page_and_revisit(tmp_path: Path) -> None:
    python = pywb_python()
    archive = tmp_path / "archive"
    body = gzip.compress(PAGE, mtime=0)
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]
    with WarcWriter(archive) as writer:
        first = writer.write_exchange(
            url=URL,
            status=200,
            response_headers=headers,
            body=body,
            warc_date=datetime(2024, 2, 26, 12, 0, tzinfo=UTC),
        )
        second = writer.write_exchange(
            url=URL,
            status=200,
            response_headers=headers,
            body=body,
            revisit_of=(first.payload_digest, URL, first.warc_date),
            warc_date=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
        )
    assert (first.record_type, second.record_type) == ("response", "revisit")
    index = tmp_path / "index.cdxj"
    write_cdxj(sorted(archive.glob("*.warc.gz")), index)

    paths = [
        f"/c/20240226120000id_/{ENCODED}",  # the gzip-served capture
        f"/c/20240301120000id_/{ENCODED}",  # the revisit, resolved to the original payload
        f"/c/mp_/{ENCODED}",  # latest capture (the revisit), rewritten for the browser
    ]
    script = tmp_path / "replay.py"
    script.write_text(REPLAY)
    result = subprocess.run(
        [str(python), str(script), str(index), str(archive) + "/", json.dumps(paths)],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    replies = json.loads(result.stdout.strip().splitlines()[-1])
    for path in paths:
        reply = replies[path]
        assert reply["status"] == 200, (path, reply)
        assert TITLE in reply["text"] and BODY in reply["text"], path
        assert reply["encoding"] is None  # pywb served the decoded page
    assert replies[paths[0]]["memento"] == "Mon, 26 Feb 2024 12:00:00 GMT"
    assert replies[paths[1]]["memento"] == "Fri, 01 Mar 2024 12:00:00 GMT"
    assert replies[paths[2]]["memento"] == "Fri, 01 Mar 2024 12:00:00 GMT"
