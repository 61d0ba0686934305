"""`chinareport export --format wacz` on a real crawl of the sample site, checked with the
tools of the field: `wacz validate`, `warcio check`, and replay in pywb."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from test_replay_pywb import pywb_python
from warcio.archiveiterator import ArchiveIterator

from crawler.sample_site import build_site, serve
from pipelines.canonical import canonical_url

BIN = Path(sys.executable).parent
CHANNEL = "经济"  # a channel of the sample site with a two-page article


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`chinareport ARGS` in a fresh interpreter, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        check=False, capture_output=True, text=True, timeout=300,
    )


def crawl(url: str, data: Path, *extra: str) -> None:
    result = run_cli("crawl", url, "--data-dir", str(data), "-s", "AUTOTHROTTLE_ENABLED=False",
                     *extra)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The sample site crawled twice (the second time --refresh, so unchanged pages are
    revisits), and both kinds of WACZ exported from it."""
    data = tmp_path_factory.mktemp("data")
    with serve(build_site()) as server:
        crawl(server.url, data)
        crawl(server.url, data, "--refresh")
    before = _fingerprint(data)
    out = tmp_path_factory.mktemp("out")
    whole = run_cli("export", "--format", "wacz", "-o", str(out / "all.wacz"),
                    "--data-dir", str(data))
    chosen = run_cli("export", "--format", "wacz", "-o", str(out / "chosen.wacz"),
                     "--data-dir", str(data), "--channel", CHANNEL,
                     "--title", "经济 articles", "--description", "For a colleague")
    return {"data": data, "out": out, "whole": whole, "chosen": chosen, "before": before}


def _fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _rows(data: Path, sql: str, **params: object) -> list[dict]:
    """Rows of a query on the crawl's database (closed again: the folder must stay as it was)."""
    engine = create_engine(f"sqlite:///{data / 'articles.db'}")
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(text(sql), params).mappings()]
    finally:
        engine.dispose()


def _unpack(wacz: Path, into: Path) -> Path:
    with zipfile.ZipFile(wacz) as archive:
        archive.extractall(into)
    return into


def _pages(folder: Path) -> list[dict]:
    lines = (folder / "pages" / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "json-pages-1.0"
    return [json.loads(line) for line in lines[1:]]


def _members(path: Path) -> dict[str, dict]:
    """Every record of a WARC file by record id: type, headers and its stored bytes."""
    data = path.read_bytes()
    found = {}
    with path.open("rb") as stream:
        it = ArchiveIterator(stream)
        for record in it:
            headers = record.rec_headers
            it.read_to_end(record)
            offset, length = it.get_record_offset(), it.get_record_length()
            found[headers.get_header("WARC-Record-ID")] = {
                "type": record.rec_type,
                "uri": headers.get_header("WARC-Target-URI"),
                "date": headers.get_header("WARC-Date"),
                "concurrent": headers.get_header("WARC-Concurrent-To"),
                "refers": (headers.get_header("WARC-Refers-To-Target-URI"),
                           headers.get_header("WARC-Refers-To-Date")),
                "file": path.name, "offset": offset, "bytes": data[offset:offset + length],
            }
    return found


def _all_members(folder: Path) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in sorted(folder.glob("*.warc.gz")):
        found.update(_members(path))
    return found


def _validate(wacz: Path) -> None:
    result = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(wacz)],
                            check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout


def _warcio_check(folder: Path) -> None:
    warcs = sorted(folder.glob("*.warc.gz"))
    assert warcs
    result = subprocess.run([str(BIN / "warcio"), "check", *map(str, warcs)],
                            check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _chosen_articles(data: Path) -> list[dict]:
    return _rows(
        data,
        "SELECT a.id, a.url, a.canonical_url, a.title, a.page_count, a.charset FROM articles a "
        "JOIN channels c ON c.id = a.channel_id "
        "WHERE c.name = :channel AND a.status != 'not_article' ORDER BY a.id",
        channel=CHANNEL,
    )


def _expected_fetches(data: Path, articles: list[dict]) -> list[dict]:
    """The fetch rows of the articles' URLs and of their pages 2..n (the sample site numbers
    them ``_2.html``)."""
    keys = set()
    for article in articles:
        keys.add(article["canonical_url"])
        stem, ext = article["url"].rsplit(".", 1)
        keys.update(canonical_url(f"{stem}_{n}.{ext}") for n in range(2, article["page_count"] + 1))
    rows = _rows(
        data,
        "SELECT url, canonical_url, warc_filename, warc_offset, warc_length, warc_record_type "
        "FROM fetches WHERE warc_filename IS NOT NULL",
    )
    return [row for row in rows if row["canonical_url"] in keys]


def test_export_prints_what_it_wrote(crawled):
    whole, chosen = crawled["whole"], crawled["chosen"]
    assert whole.returncode == 0, whole.stderr
    assert chosen.returncode == 0, chosen.stderr
    assert "WARC files:   2, whole" in whole.stderr
    assert f"exported {len(_chosen_articles(crawled['data']))} articles to " in chosen.stderr
    assert "WARC records:" in chosen.stderr and "revisits:" in chosen.stderr
    assert "Traceback" not in whole.stderr + chosen.stderr
    assert whole.stdout == chosen.stdout == ""  # py-wacz's own chatter stays out of the way


def test_whole_archive_wacz_is_valid_and_holds_every_warc_file_unchanged(crawled, tmp_path):
    wacz = crawled["out"] / "all.wacz"
    _validate(wacz)
    folder = _unpack(wacz, tmp_path)
    _warcio_check(folder / "archive")
    inside = {p.name: p.read_bytes() for p in (folder / "archive").iterdir()}
    source = {p.name: p.read_bytes() for p in (crawled["data"] / "warc").glob("*.warc.gz")}
    assert inside == source
    titles = {row["url"]: row["title"] for row in _rows(
        crawled["data"], "SELECT url, title FROM articles WHERE status != 'not_article'")}
    pages = _pages(folder)
    assert {p["url"]: p["title"] for p in pages} == titles
    datapackage = json.loads((folder / "datapackage.json").read_text())
    assert datapackage["title"] == f"chinareport: {len(titles)} articles"


def test_filtered_wacz_holds_exactly_the_matching_articles_records(crawled, tmp_path):
    data = crawled["data"]
    wacz = crawled["out"] / "chosen.wacz"
    _validate(wacz)
    folder = _unpack(wacz, tmp_path)
    _warcio_check(folder / "archive")

    source = _all_members(data / "warc")
    inside = _all_members(folder / "archive")
    fetches = _expected_fetches(data, _chosen_articles(data))
    by_place = {(m["file"], m["offset"]): rid for rid, m in source.items()}
    expected = {by_place[(f["warc_filename"], f["warc_offset"])] for f in fetches}
    # Each fetch's request record follows it, naming it as WARC-Concurrent-To.
    expected |= {rid for rid, m in source.items()
                 if m["type"] == "request" and m["concurrent"] in expected}
    copied = {rid for rid, m in inside.items() if m["type"] != "warcinfo"}
    assert copied == expected
    responses = [m for m in inside.values() if m["type"] in ("response", "revisit")]
    requests = [m for m in inside.values() if m["type"] == "request"]
    assert len(responses) == len(requests) == len(fetches)
    for rid in copied:  # byte for byte: the very gzip member the crawl wrote
        assert inside[rid]["bytes"] == source[rid]["bytes"], inside[rid]["uri"]

    # Each new WARC opens with its own warcinfo saying what was selected and from where.
    for path in (folder / "archive").glob("*.warc.gz"):
        with path.open("rb") as stream:
            first = next(iter(ArchiveIterator(stream)))
            assert first.rec_type == "warcinfo"
            info = first.content_stream().read().decode("utf-8")
        assert f"selection: --channel {CHANNEL}" in info
        assert f"source-warc-dir: {(data / 'warc').resolve()}" in info
        assert "source-database: sqlite:///" in info


def test_filtered_pages_list_has_each_article_once_with_its_title(crawled, tmp_path):
    folder = _unpack(crawled["out"] / "chosen.wacz", tmp_path)
    pages = _pages(folder)
    articles = _chosen_articles(crawled["data"])
    assert sorted((p["url"], p["title"]) for p in pages) == sorted(
        (a["url"], a["title"]) for a in articles)
    inside = _all_members(folder / "archive")
    captures = {(m["uri"], m["date"]) for m in inside.values() if m["type"] != "request"}
    assert all((p["url"], p["ts"]) in captures for p in pages)  # a capture replay can open
    datapackage = json.loads((folder / "datapackage.json").read_text())
    assert datapackage["title"] == "经济 articles"
    assert datapackage["description"] == "For a colleague"
    names = {r["path"] for r in datapackage["resources"]}
    assert "pages/pages.jsonl" in names and "indexes/index.cdx.gz" in names


def test_multi_page_article_and_revisits_come_with_what_they_refer_to(crawled, tmp_path):
    folder = _unpack(crawled["out"] / "chosen.wacz", tmp_path)
    inside = _all_members(folder / "archive")
    multi = [a for a in _chosen_articles(crawled["data"]) if a["page_count"] > 1]
    assert multi, "the channel has a multi-page article"
    uris = {(m["uri"], m["type"]) for m in inside.values()}
    for article in multi:
        stem, ext = article["url"].rsplit(".", 1)
        for kind in ("response", "revisit", "request"):
            assert (f"{stem}_2.{ext}", kind) in uris
    revisits = [m for m in inside.values() if m["type"] == "revisit"]
    assert revisits, "the second crawl archived unchanged pages as revisits"
    originals = {(m["uri"], m["date"]) for m in inside.values() if m["type"] == "response"}
    for revisit in revisits:
        assert revisit["refers"] in originals, revisit["uri"]


REPLAY_COLLECTION = """
import json, sys
from pywb.apps.frontendapp import FrontEndApp
import webtest

app = webtest.TestApp(FrontEndApp(custom_config={"collections_root": sys.argv[1]}))
out = {}
for path in json.loads(sys.argv[2]):
    res = app.get(path, expect_errors=True)
    out[path] = {"status": res.status_int, "body": res.body.decode("latin-1")}
print(json.dumps(out))
"""


@pytest.mark.slow
def test_pywb_replays_the_filtered_wacz_articles_and_not_the_others(crawled, tmp_path):
    python = pywb_python()
    manager = python.parent / "wb-manager"
    for args in (["init", "c"], ["add", "--unpack-wacz", "c", str(crawled["out"] / "chosen.wacz")]):
        done = subprocess.run([str(manager), *args], cwd=tmp_path, check=False,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    chosen = _chosen_articles(crawled["data"])
    others = [row["url"] for row in _rows(
        crawled["data"],
        "SELECT a.url FROM articles a JOIN channels c ON c.id = a.channel_id "
        "WHERE c.name != :channel ORDER BY a.id LIMIT 5", channel=CHANNEL)]
    assert others
    paths = [f"/c/mp_/{a['url']}" for a in chosen] + [f"/c/mp_/{url}" for url in others]
    script = tmp_path / "replay.py"
    script.write_text(REPLAY_COLLECTION)
    result = subprocess.run(
        [str(python), str(script), str(tmp_path / "collections"), json.dumps(paths)],
        check=False, capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    replies = json.loads(result.stdout.strip().splitlines()[-1])
    for article in chosen:
        reply = replies[f"/c/mp_/{article['url']}"]
        assert reply["status"] == 200, article["url"]
        # The bytes as served (latin-1 carried them through JSON): some pages are in GBK.
        served = reply["body"].encode("latin-1").decode(article["charset"] or "utf-8")
        assert article["title"] in served, article["url"]
    for url in others:
        assert replies[f"/c/mp_/{url}"]["status"] == 404, url


def test_exporting_changes_nothing_in_the_data_folder(crawled):
    assert crawled["whole"].returncode == crawled["chosen"].returncode == 0
    assert _fingerprint(crawled["data"]) == crawled["before"]


def test_a_filter_that_matches_nothing_writes_no_wacz(crawled, tmp_path):
    target = tmp_path / "none.wacz"
    result = run_cli("export", "--format", "wacz", "-o", str(target),
                     "--data-dir", str(crawled["data"]), "--author", "无此人")
    assert result.returncode == 1
    assert result.stderr == "chinareport: error: no article matches --author 无此人\n"
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no scratch files left either


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("missing/x.wacz", (), "no folder"),
        ("exists.wacz", (), "exists: use --force to replace it"),
        ("x.jsonl", ("--format", "jsonl", "--title", "t"), "--title is for --format wacz"),
    ],
)
def test_bad_output_paths_are_one_line_errors(crawled, tmp_path, name, args, message):
    (tmp_path / "exists.wacz").write_bytes(b"keep me")
    result = run_cli("export", "--format", "wacz", "-o", str(tmp_path / name),
                     "--data-dir", str(crawled["data"]), *args)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("chinareport: error: ")
    assert message in lines[0]
    assert (tmp_path / "exists.wacz").read_bytes() == b"keep me"


def test_a_corrupt_record_is_named_and_everything_else_exported(crawled, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(crawled["data"], data)
    article = _chosen_articles(data)[0]
    (found,) = _rows(
        data,
        "SELECT warc_filename, warc_offset, warc_length FROM fetches "
        "WHERE canonical_url = :key AND warc_record_type = 'response' ORDER BY id LIMIT 1",
        key=article["canonical_url"],
    )
    name, offset, length = found["warc_filename"], found["warc_offset"], found["warc_length"]
    warc = data / "warc" / name
    raw = bytearray(warc.read_bytes())
    middle = offset + length // 2
    raw[middle:middle + 8] = b"\x00" * 8
    warc.write_bytes(bytes(raw))

    target = tmp_path / "out.wacz"
    result = run_cli("export", "--format", "wacz", "-o", str(target), "--data-dir", str(data),
                     "--channel", CHANNEL)
    assert result.returncode == 1
    assert f"chinareport: error: {warc} at offset {offset}: " in result.stderr
    assert result.stderr.splitlines()[-1].startswith("chinareport: error: the records named above")
    assert "Traceback" not in result.stderr
    _validate(target)
    folder = _unpack(target, tmp_path / "unpacked")
    _warcio_check(folder / "archive")
    inside = _all_members(folder / "archive")
    fetches = _expected_fetches(data, _chosen_articles(data))
    responses = [m for m in inside.values() if m["type"] in ("response", "revisit")]
    assert len(responses) == len(fetches) - 1
    # Its revisit cannot be replayed without the response: the article leaves the pages list.
    assert f"revisit of {article['url']} at " in result.stderr
    assert article["url"] not in {p["url"] for p in _pages(folder)}
    assert len(_pages(folder)) == len(_chosen_articles(data)) - 1

    # The whole-archive export copies the damaged file's readable records one by one.
    whole = tmp_path / "all.wacz"
    result = run_cli("export", "--format", "wacz", "-o", str(whole), "--data-dir", str(data))
    assert result.returncode == 1
    assert f"chinareport: error: {warc} at offset " in result.stderr
    _validate(whole)
    folder = _unpack(whole, tmp_path / "whole")
    _warcio_check(folder / "archive")
    assert not (folder / "archive" / name).exists()


def test_an_articles_archived_images_go_with_it(crawled, tmp_path):
    from archive.writer import WarcWriter
    from pipelines.db import open_engine
    from pipelines.store import ArticleStore

    data = tmp_path / "data"
    shutil.copytree(crawled["data"], data)
    (article,) = _rows(
        data,
        "SELECT a.url, a.images FROM articles a JOIN channels c ON c.id = a.channel_id "
        "WHERE c.name = :channel AND a.images != '[]' ORDER BY a.id LIMIT 1", channel=CHANNEL)
    src = json.loads(article["images"])[0]["src"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    with WarcWriter(data / "warc", prefix="images") as writer:
        locator = writer.write_exchange(url=src, status=200, body=png,
                                        response_headers=[("Content-Type", "image/png")])
    engine = open_engine(f"sqlite:///{data / 'articles.db'}")
    ArticleStore(engine).record_fetch(None, src, status=200, warc=locator.as_dict())
    engine.dispose()

    target = tmp_path / "out.wacz"
    result = run_cli("export", "--format", "wacz", "-o", str(target), "--data-dir", str(data),
                     "--channel", CHANNEL)
    assert result.returncode == 0, result.stderr
    assert "images: 1," in result.stderr
    folder = _unpack(target, tmp_path / "unpacked")
    inside = _all_members(folder / "archive")
    image = [m for m in inside.values() if m["uri"] == src]
    assert sorted(m["type"] for m in image) == ["request", "response"]
    assert _members(data / "warc" / locator.filename)[locator.record_id]["bytes"] in {
        m["bytes"] for m in image}
    assert src not in {p["url"] for p in _pages(folder)}  # a requisite, not a page
