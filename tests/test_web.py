"""`chinareport serve`'s app over a real crawled archive, on SQLite and PostgreSQL: every route,
filters, paging, facets, 400/404, the API against `chinareport query`/`show`, escaping, read-only."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import lxml.html
import pytest
from starlette.testclient import TestClient
from web_archive import ADDED_PARAGRAPH, HOSTILE_PARAGRAPH, HOSTILE_TITLE, TITLE_SUFFIX, build
from web_archive import run_cli as cli

from archive.reader import read_at
from crawler.web import create_app
from pipelines.browse import fetch_history
from pipelines.db import open_engine
from pipelines.query import get_article, search_articles, stats

PG_ENV = "CHINAREPORT_TEST_PG"


class Web:
    """A test client over one archive, with the engine to compute what the pages should show."""

    def __init__(self, archive: Any, db_args: list[str]) -> None:
        self.archive = archive
        self.app = create_app(archive.db_url, archive.data / "warc")
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.engine = open_engine(archive.db_url, read_only=True)
        self.db_args = db_args

    def page(self, path: str, status: int = 200) -> Any:
        response = self.client.get(path)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        assert response.headers["content-type"].startswith("text/html")
        return lxml.html.fromstring(response.text), response

    def json(self, path: str, status: int = 200) -> Any:
        response = self.client.get(path)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        assert response.headers["content-type"].startswith("application/json")
        return response.json()

    def id_of(self, url: str) -> int:
        found = get_article(self.engine, url)
        assert found is not None, url
        return int(found["id"])

    def cli(self, *args: str) -> str:
        return cli(*args, "--data-dir", str(self.archive.data), *self.db_args).stdout


@pytest.fixture(scope="module")
def pg_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The same crawls into a fresh PostgreSQL schema (the WARCs stay in a data folder)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV}")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        archive = build(tmp_path_factory.mktemp("web_pg"), url)
        yield archive
        archive.beacon.stop()
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def web(request: pytest.FixtureRequest) -> Iterator[Web]:
    if request.param == "sqlite":
        archive = request.getfixturevalue("web_archive")
        served = Web(archive, [])
    else:
        archive = request.getfixturevalue("pg_archive")
        served = Web(archive, ["--db", archive.db_url])
    yield served
    served.client.close()
    served.engine.dispose()


def result_ids(doc: Any) -> list[int]:
    return [int(a.get("href").rsplit("/", 1)[1]) for a in doc.cssselect("li.hit h3 a")]


def facet(doc: Any, name: str) -> dict[str, int]:
    rows = doc.cssselect(f"#facet-{name} li")
    return {
        li.cssselect("a, span.none")[0].text_content(): int(li.cssselect(".count")[0].text)
        for li in rows
        if li.cssselect(".count")
    }


# -- search ------------------------------------------------------------------------------------


def test_search_ranks_highlights_and_counts_as_query_does(web: Web) -> None:
    doc, _ = web.page("/?q=厚街")
    expected = search_articles(web.engine, "厚街", limit=None)
    assert len(expected) > 3
    assert result_ids(doc) == [r["id"] for r in expected[:20]]
    assert f"{len(expected)} articles for" in doc.cssselect("p.summary")[0].text_content()
    for hit in doc.cssselect("li.hit"):
        marks = [m.text_content() for m in hit.cssselect("mark")]
        assert marks and set(marks) == {"厚街"}, marks  # the snippet shows the first hit
    # The title hits come first and are marked in the title.
    first = doc.cssselect("li.hit h3")[0]
    assert "厚街" in expected[0]["title"] and first.cssselect("mark")


def test_facets_count_channel_and_source_over_the_whole_result_set(web: Web) -> None:
    doc, _ = web.page("/?q=厚街")
    every = search_articles(web.engine, "厚街", limit=None)
    assert facet(doc, "channel") == Counter(r["channel"] or "(none)" for r in every)
    assert facet(doc, "source") == Counter(r["source"] or "(none)" for r in every)


@pytest.mark.parametrize("name", ["channel", "source", "author", "editor"])
def test_each_filter_gives_what_query_gives(web: Web, name: str) -> None:
    key = name if name in ("channel", "source") else f"{name}s"
    sample = next(r for r in search_articles(web.engine, "厚街", limit=None) if r[key])
    value = sample[key] if name in ("channel", "source") else sample[key][0]
    doc, _ = web.page(f"/?q=厚街&{name}={quote(value)}")
    expected = search_articles(web.engine, "厚街", limit=20, **{name: value})
    assert result_ids(doc) == [r["id"] for r in expected] and expected
    chip = doc.cssselect("p.active a.chip")[0]
    assert value in chip.text_content()
    assert parse_qs(urlsplit(chip.get("href")).query) == {"q": ["厚街"]}  # removes the filter


def test_date_range_filter(web: Web) -> None:
    doc, _ = web.page("/?since=2024-06-20&until=2024-06-25")
    expected = search_articles(web.engine, since="2024-06-20", until="2024-06-25", limit=20)
    assert expected and result_ids(doc) == [r["id"] for r in expected]
    assert all("2024-06-20" <= r["published"][:10] <= "2024-06-25" for r in expected)


def test_facet_links_keep_the_query_in_the_url(web: Web) -> None:
    doc, _ = web.page("/?q=厚街")
    link = doc.cssselect("#facet-channel li a")[0]
    args = parse_qs(urlsplit(link.get("href")).query)
    assert args == {"q": ["厚街"], "channel": [link.text_content()]}
    filtered, _ = web.page(link.get("href"))
    expected = search_articles(web.engine, "厚街", channel=link.text_content(), limit=20)
    assert result_ids(filtered) == [r["id"] for r in expected]
    # The active facet links back to the search without it.
    active = filtered.cssselect("#facet-channel li.active a")[0]
    assert parse_qs(urlsplit(active.get("href")).query) == {"q": ["厚街"]}


def test_paging_walks_every_result_once(web: Web) -> None:
    every = [r["id"] for r in search_articles(web.engine, limit=None)]
    assert len(every) > 40
    seen: list[int] = []
    page = 1
    while True:
        doc, _ = web.page(f"/?page={page}" if page > 1 else "/")
        ids = result_ids(doc)
        if not ids:
            break
        seen += ids
        labels = [a.text_content() for a in doc.cssselect("nav.paging a")]
        assert ("next ›" in labels) == (len(seen) < len(every))
        page += 1
    assert seen == every
    assert page - 1 == -(-len(every) // 20)


# -- articles ----------------------------------------------------------------------------------


def test_article_page_shows_every_field(web: Web) -> None:
    article_id = web.id_of(web.archive.changed)
    record = get_article(web.engine, article_id)
    assert record is not None
    doc, _ = web.page(f"/articles/{article_id}")
    assert doc.cssselect("h1")[0].text_content() == record["title"]
    paragraphs = [p.text_content() for p in doc.cssselect("div.body p")]
    assert paragraphs == [p for p in record["body"].split("\n") if p.strip()]
    fields = {
        tr.cssselect("th")[0].text_content(): tr.cssselect("td")[0].text_content()
        for tr in doc.cssselect("table.fields tr")
    }
    assert fields["parser version"] == record["parser_version"]
    assert fields["canonical url"] == record["canonical_url"]
    assert fields["content hash"] == record["content_hash"]
    for name in record["authors"]:
        assert doc.cssselect(f'a[href="/?author={quote(name)}"]')
    for name in record["editors"]:
        assert doc.cssselect(f'a[href="/?editor={quote(name)}"]')
    assert doc.cssselect(f'a[href="/?source={quote(record["source"])}"]')
    assert doc.cssselect(f'a[href="/?channel={quote(record["channel"])}"]')
    history = fetch_history(web.engine, record["url"])
    rows = doc.cssselect("section.fetches tbody tr")
    assert len(rows) == len(history) == 2  # fetched by each crawl
    assert record["warc"]["filename"] in rows[0].text_content()
    original = doc.cssselect("a.original")[0]
    assert original.get("href") == record["url"]
    assert set(original.get("rel").split()) >= {"noopener", "noreferrer"}
    assert doc.cssselect(f'a[href="/articles/{article_id}/versions"]')
    frame = doc.cssselect("iframe.archived")[0]
    assert frame.get("sandbox") == "" and frame.get("src") == f"/articles/{article_id}/archived/response"


def test_images_that_were_not_archived_are_caption_and_url_as_text(web: Web) -> None:
    record = next(r for r in search_articles(web.engine, limit=None) if r["images"])
    doc, _ = web.page(f"/articles/{record['id']}")
    figures = doc.cssselect("section.images figure")
    assert len(figures) == len(record["images"])
    for figure, image in zip(figures, record["images"], strict=True):
        assert figure.cssselect("figcaption")[0].text_content() == image["caption"]
        assert image["src"] in figure.cssselect(".not-archived")[0].text_content()
        assert not figure.cssselect("img")
    # Nothing on our pages loads from elsewhere: every src is our own path.
    assert all(el.get("src").startswith("/") for el in doc.cssselect("[src]"))


def test_versions_page_shows_what_changed(web: Web) -> None:
    article_id = web.id_of(web.archive.changed)
    doc, _ = web.page(f"/articles/{article_id}/versions")
    change = doc.cssselect("section.change")
    assert len(change) == 1
    title_row = next(
        tr for tr in change[0].cssselect("table.diff-fields tr") if tr.cssselect("th")[0].text == "title"
    )
    before, after = (td.text_content() for td in title_row.cssselect("td"))
    assert after == before + TITLE_SUFFIX
    added = [p.text_content() for p in change[0].cssselect("div.diff-body p.added")]
    assert added == [ADDED_PARAGRAPH]
    assert change[0].cssselect("div.diff-body p.folded")  # unchanged paragraphs folded
    # An article that never changed says so.
    other = web.id_of(web.archive.scripted)
    doc, _ = web.page(f"/articles/{other}/versions")
    assert not doc.cssselect("section.change") and "No earlier versions" in doc.text_content()


def test_archived_view_is_the_warc_record_under_a_sandbox(web: Web) -> None:
    article_id = web.id_of(web.archive.scripted)
    record = get_article(web.engine, article_id)
    assert record is not None
    doc, _ = web.page(f"/articles/{article_id}/archived")
    frame = doc.cssselect("iframe.archived")[0]
    assert frame.get("sandbox") == ""
    assert "pywb" in doc.text_content() and "chinareport index" in doc.text_content()
    response = web.client.get(frame.get("src"))
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "script-src" not in policy  # default-src 'none' covers scripts
    assert response.headers["x-content-type-options"] == "nosniff"
    archived = read_at(web.archive.data / "warc", {"record_id": "", **record["warc"]})
    assert response.content == archived.body
    assert b"called-home" in response.content  # the script is there, inert


# -- the JSON API ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "cli_args"),
    [
        ("q=厚街", ["厚街"]),
        ("q=厚街&channel=乡村&limit=5&offset=1", ["厚街", "--channel", "乡村", "--limit", "5",
                                                "--offset", "1"]),
        ("since=2024-06-01&until=2024-06-27&status=ok", ["--since", "2024-06-01", "--until",
                                                         "2024-06-27", "--status", "ok"]),
    ],
)
def test_api_articles_equals_query_format_json(web: Web, query: str, cli_args: list[str]) -> None:
    expected = json.loads(web.cli("query", *cli_args, "--format", "json"))
    assert expected
    assert web.json(f"/api/articles?{query}") == expected


def test_api_article_equals_show_and_versions_equal_show_versions(web: Web) -> None:
    article_id = web.id_of(web.archive.changed)
    assert web.json(f"/api/articles/{article_id}") == json.loads(web.cli("show", str(article_id)))
    lines = web.cli("show", str(article_id), "--versions").splitlines()
    assert web.json(f"/api/articles/{article_id}/versions") == [json.loads(x) for x in lines]
    assert web.json("/api/stats") == json.loads(json.dumps(stats(web.engine), default=str))


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("since=yesterday", "since"),
        ("until=2024-13-45", "until"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=100000", "limit"),
        ("offset=1.5", "offset"),
        ("status=deleted", "status"),
        ("colour=red", "colour"),
        ("q=a&q=b", "q"),
        ("author=%00", "author"),
        (f"q={'厚' * 201}", "q"),
    ],
)
def test_api_bad_parameter_is_a_400_naming_it(web: Web, query: str, name: str) -> None:
    body = web.json(f"/api/articles?{query}", 400)
    assert body["parameter"] == name and body["error"].startswith(f"{name}: ")
    assert "Traceback" not in json.dumps(body)


def test_search_page_bad_parameter_is_a_400_page(web: Web) -> None:
    doc, _ = web.page("/?since=yesterday", 400)
    assert "since" in doc.cssselect("p.error")[0].text_content()
    assert doc.cssselect("form.search")  # the form is still there to fix it
    doc, _ = web.page("/?page=0", 400)


@pytest.mark.parametrize(
    "path",
    [
        "/articles/999999",
        "/articles/999999/versions",
        "/articles/999999/archived",
        "/articles/999999/archived/response",
        "/articles/1/images/99",
        "/articles/abc",
        "/nothing/here",
    ],
)
def test_unknown_pages_are_404_pages(web: Web, path: str) -> None:
    doc, _ = web.page(path, 404)
    assert doc.cssselect("p.error") and "Traceback" not in doc.text_content()


@pytest.mark.parametrize(
    "path", ["/api/articles/999999", "/api/articles/abc", "/api/articles/1e3", "/api/nothing"]
)
def test_unknown_api_ids_are_json_404s(web: Web, path: str) -> None:
    assert web.json(path, 404)["status"] == 404


# -- safety ------------------------------------------------------------------------------------


def test_html_in_titles_and_bodies_shows_as_text(web: Web) -> None:
    article_id = web.id_of(web.archive.hostile)
    doc, response = web.page(f"/articles/{article_id}")
    assert doc.cssselect("h1")[0].text_content() == HOSTILE_TITLE
    assert HOSTILE_PARAGRAPH in [p.text_content() for p in doc.cssselect("div.body p")]
    assert "<script" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;" in response.text
    doc, response = web.page("/?q=厚街标题")
    assert HOSTILE_TITLE in doc.cssselect("li.hit h3")[0].text_content()
    assert "<script" not in response.text


def test_every_page_carries_a_policy_that_runs_no_script(web: Web) -> None:
    article_id = web.id_of(web.archive.changed)
    for path in ("/", "/?q=厚街", f"/articles/{article_id}", f"/articles/{article_id}/versions",
                 f"/articles/{article_id}/archived", "/stats", "/articles/999999"):
        response = web.client.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "<script" not in response.text


def test_only_get_is_served(web: Web) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = web.client.request(method, "/api/articles")
        assert response.status_code == 405, method
        assert response.json()["error"].startswith("this archive is read-only")


def test_the_engine_refuses_writes(web: Web) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    engine = web.app.state.site.engine
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM articles"))
    assert get_article(web.engine, web.id_of(web.archive.changed)) is not None


def test_static_files_are_served_and_nothing_beside_them(web: Web) -> None:
    response = web.client.get("/-/static/app.css")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
    for path in ("/-/static/%2e%2e/app.py", "/-/static/..%2fapp.py", "/-/static/%2e%2e%2f__init__.py",
                 "/-/static/templates/base.html"):
        response = web.client.get(path)
        assert response.status_code == 404, path
        assert "create_app" not in response.text and "{% block" not in response.text


def test_stats_page_draws_svg_charts(web: Web) -> None:
    doc, response = web.page("/stats")
    numbers = stats(web.engine)
    charts = doc.cssselect("svg.chart")
    assert len(charts) == 3
    labels = {t.text for t in charts[1].cssselect("text")}
    assert {r["channel"] for r in numbers["by_channel"]} <= labels
    runs = doc.cssselect("section table tbody tr")
    assert [int(tr.cssselect("td")[0].text) for tr in runs[: len(numbers["runs"])]] == [
        r["id"] for r in numbers["runs"]
    ]
    assert "http://" not in response.text.replace("http://www.w3.org/2000/svg", "")
