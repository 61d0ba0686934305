"""Where articles' archived fetches are: the fetches table read by URL and by file, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipelines.captures import captures_in_file, captures_of
from pipelines.db import open_engine
from pipelines.store import ArticleStore

T0 = datetime(2024, 2, 26, 3, 0, tzinfo=UTC)
URL = "http://www.chinareports.org.cn/xiangcun/2024/0226/5732.html"


def _warc(name: str, offset: int, kind: str = "response") -> dict:
    return {"filename": name, "offset": offset, "length": 100, "record_type": kind,
            "payload_digest": "sha1:AAAA", "warc_date": "2024-02-26T03:00:00Z", "record_id": ""}


def test_every_archived_fetch_of_a_url_oldest_first(db_url: str) -> None:
    engine = open_engine(db_url)
    store = ArticleStore(engine)
    store.record_fetch(None, URL, status=200, warc=_warc("a.warc.gz", 0), fetched_at=T0)
    store.record_fetch(None, URL + "?utm_source=feed", status=200,  # the same article
                       warc=_warc("b.warc.gz", 500, "revisit"), fetched_at=T0 + timedelta(1))
    store.record_fetch(None, URL, status=None, error="timed out", error_kind="timeout")
    store.record_fetch(None, URL.replace(".html", "_2.html"), status=200,
                       warc=_warc("a.warc.gz", 300), fetched_at=T0)

    found = captures_of(engine, [URL, "not a url"])
    (key,) = found
    assert [(c.warc_filename, c.warc_offset, c.record_type) for c in found[key]] == [
        ("a.warc.gz", 0, "response"), ("b.warc.gz", 500, "revisit")]
    assert all(c.status == 200 and c.warc_length == 100 for c in found[key])
    assert [c.warc_offset for c in captures_in_file(engine, "a.warc.gz")] == [0, 300]
    assert captures_of(engine, []) == {}
    engine.dispose()
