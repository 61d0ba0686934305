"""`chinareport serve` as a process: the URL it prints, Ctrl-C, the loopback warning, live reads
while a crawl writes, Host checks, raw paths; and a hostile archive (stored records with HTML and
``javascript:`` in every field, archived images) served inert."""

from __future__ import annotations

import json
import shutil
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import lxml.html
import pytest
from starlette.testclient import TestClient
from web_archive import HOSTILE, IMAGES, JS, SEEN, Serving, build_hostile, png, record_of, run_cli

from crawler.web import create_app
from pipelines.db import open_engine
from pipelines.store import ArticleStore, StoreItem


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def raw_get(url: str, target: str) -> tuple[int, bytes]:
    """A request whose target goes on the wire exactly as written (no client clean-up)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def test_serve_prints_its_url_answers_and_stops_cleanly_on_ctrl_c(web_archive: Any) -> None:
    with Serving("--data-dir", str(web_archive.data)) as served:
        assert served.url.startswith("http://127.0.0.1:")
        assert "Ctrl-C" in served.first_line
        status, body = get(served.url + "/?q=" + quote("厚街"))
        assert status == 200 and "<mark>厚街</mark>" in body
        status, body = get(served.url + "/api/articles?limit=1")
        assert status == 200 and len(json.loads(body)) == 1
        code, err = served.stop()
    assert code == 0, err
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def served(web_archive: Any) -> Iterator[Serving]:
    with Serving("--data-dir", str(web_archive.data)) as serving:
        yield serving


def test_serve_refuses_other_host_names_on_loopback(served: Serving) -> None:
    # A page elsewhere cannot read the archive through DNS rebinding: the Host must be ours.
    status, _ = get(served.url + "/", headers={"Host": "attacker.example"})
    assert status == 400
    port = served.url.rsplit(":", 1)[1]
    assert get(served.url + "/", headers={"Host": f"localhost:{port}"})[0] == 200


@pytest.mark.parametrize(
    "target",
    [
        "/-/static/../../pipelines/db.py",
        "/-/static/%2e%2e/%2e%2e/pipelines/db.py",
        "/-/static/..%2f..%2fapp.py",
        "/../../../../etc/passwd",
        "//etc/passwd",
        "/articles/1/../../../etc/passwd",
    ],
)
def test_serve_refuses_paths_outside_its_routes(served: Serving, target: str) -> None:
    status, data = raw_get(served.url, target)
    assert status in (400, 404), (target, data[:300])
    assert b"root:" not in data and b"open_engine" not in data and b"Traceback" not in data


def test_a_non_loopback_host_warns_in_one_line(web_archive: Any) -> None:
    with Serving("--data-dir", str(web_archive.data), "--host", "0.0.0.0") as served:
        code, err = served.stop()
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "0.0.0.0" in warnings[0] and "read the archive" in warnings[0]
    assert code == 0


def test_serve_without_a_database_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "crawler", "serve", "--data-dir", str(tmp_path / "none")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("chinareport: error: no database at")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none").exists()


def test_new_articles_show_on_the_next_load_while_a_writer_writes(
    web_archive: Any, tmp_path: Path
) -> None:
    data = tmp_path / "live"
    shutil.copytree(web_archive.data, data)
    writer = ArticleStore(open_engine(f"sqlite:///{data / 'articles.db'}"))
    with Serving("--data-dir", str(data)) as served:
        search = served.url + "/api/articles?q=" + quote("独一无二测试词")
        assert json.loads(get(search)[1]) == []
        record = record_of(1, "独一无二测试词的新文章", "新写入的正文。")
        writer.store_articles([StoreItem(record, SEEN)])  # the server is still running
        found = json.loads(get(search)[1])
        assert [r["title"] for r in found] == ["独一无二测试词的新文章"]
        status, page = get(served.url + f"/articles/{found[0]['id']}")
        assert status == 200 and "新写入的正文。" in page
    writer.engine.dispose()


def test_serve_never_writes_the_database(web_archive: Any, tmp_path: Path) -> None:
    data = tmp_path / "ro"
    shutil.copytree(web_archive.data, data)
    db = data / "articles.db"
    before = {p.name: p.read_bytes() for p in data.glob("articles.db*")}
    with Serving("--data-dir", str(data)) as served:
        for path in ("/", "/?q=" + quote("厚街"), "/articles/1", "/articles/1/versions",
                     "/articles/1/archived", "/articles/1/archived/response", "/stats",
                     "/api/articles", "/api/articles/1"):
            assert get(served.url + path)[0] == 200, path
    after = {p.name: p.read_bytes() for p in data.glob("articles.db*")}
    assert after.get(db.name) == before[db.name]
    assert after.get("articles.db-wal", b"") == before.get("articles.db-wal", b"")


# -- a hostile archive -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def hostile(hostile_data: Path) -> Any:
    app = create_app(f"sqlite:///{hostile_data / 'articles.db'}", hostile_data / "warc")
    with TestClient(app) as client:
        yield client


def test_a_hostile_record_shows_as_text_with_no_active_link(hostile: Any) -> None:
    response = hostile.get("/articles/1")
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.text)
    assert doc.cssselect("h1")[0].text_content() == HOSTILE["title"]
    assert [p.text_content() for p in doc.cssselect("div.body p")] == HOSTILE["body"].split("\n")
    hrefs = [a.get("href") for a in doc.cssselect("a[href]")]
    assert not [h for h in hrefs if not h.startswith(("/", "http://", "https://"))], hrefs
    assert "<script" not in response.text and "<svg onload" not in response.text
    assert "<img src=x" not in response.text and "<b onmouseover" not in response.text
    # The channel "javascript:alert(1)" is a filter value in a link to our search, never a URL.
    assert doc.cssselect(f'a[href="/?channel={quote(JS, safe="")}"]')
    # An original URL with quotes and brackets in it is not a URL to follow: text only.
    original = doc.cssselect("p.links .original")[0]
    assert original.tag == "span" and original.text_content() == HOSTILE["url"]


def test_images_are_served_from_the_archive_only_as_raster_images(hostile: Any) -> None:
    doc = lxml.html.fromstring(hostile.get("/articles/1").text)
    figures = doc.cssselect("section.images figure")
    assert [f.cssselect("figcaption")[0].text_content() for f in figures] == [
        i["caption"] for i in IMAGES
    ]
    # javascript: and not-archived sources are text, not links and not images.
    assert JS in figures[0].text_content() and not figures[0].cssselect("a, img")
    link = figures[3].cssselect("a.original")[0]
    assert link.get("href") == IMAGES[3]["src"]
    assert {"noopener", "noreferrer"} <= set(link.get("rel").split())
    assert not figures[3].cssselect("img")
    assert figures[1].cssselect("img")[0].get("src") == "/articles/1/images/1"
    assert not figures[2].cssselect("img") and IMAGES[2]["src"] in figures[2].text_content()
    served = hostile.get("/articles/1/images/1")
    assert served.status_code == 200 and served.content == png()
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-security-policy"].startswith("sandbox;")
    assert hostile.get("/articles/1/images/2").status_code == 404  # SVG: never served
    assert hostile.get("/articles/1/images/0").status_code == 404
    assert hostile.get("/articles/1/images/3").status_code == 404


def test_a_hostile_record_in_search_results_and_the_api(hostile: Any) -> None:
    response = hostile.get("/?q=" + quote("标题"))
    doc = lxml.html.fromstring(response.text)
    assert doc.cssselect("li.hit h3")[0].text_content() == HOSTILE["title"]
    assert "<script" not in response.text and "<img src=x" not in response.text
    api = hostile.get("/api/articles/1")
    assert api.headers["content-type"].startswith("application/json")
    assert api.json()["title"] == HOSTILE["title"]


def test_the_cli_and_the_app_agree_on_the_hostile_record(hostile_data: Path) -> None:
    shown = json.loads(run_cli("show", "1", "--data-dir", str(hostile_data)).stdout)
    app = create_app(f"sqlite:///{hostile_data / 'articles.db'}", hostile_data / "warc")
    with TestClient(app) as client:
        assert client.get("/api/articles/1").json() == shown


def test_a_database_that_breaks_under_the_server_is_a_503_never_a_traceback(
    web_archive: Any, tmp_path: Path
) -> None:
    data = tmp_path / "broken"
    shutil.copytree(web_archive.data, data)
    app = create_app(f"sqlite:///{data / 'articles.db'}", data / "warc")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 200
        app.state.site.engine.dispose()
        for name in ("articles.db-wal", "articles.db-shm"):
            (data / name).unlink(missing_ok=True)
        (data / "articles.db").write_bytes(b"this is not a database" * 100)
        page = client.get("/?q=" + quote("厚街"))
        assert page.status_code == 503 and "the database cannot be read" in page.text
        api = client.get("/api/articles")
        assert api.status_code == 503 and api.json()["error"].startswith("the database cannot")
        for response in (page, api):
            assert "Traceback" not in response.text and "SELECT" not in response.text
