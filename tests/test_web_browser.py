"""`chinareport serve` in a real browser: Debian's chromium driven by Playwright.

Playwright is pointed at the system's chromium (``executable_path``); nothing here downloads a
browser. Without chromium these tests skip and say why; `.ci/run` installs it.

Set ``CHINAREPORT_SCREENSHOTS=DIR`` to keep the search and article screenshots (the README's).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from web_archive import ADDED_PARAGRAPH, HOSTILE, HOSTILE_TITLE, Serving, build_hostile

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(
        "browser tests skipped: no chromium (apt-get install chromium fonts-noto-cjk; .ci/run does)",
        allow_module_level=True,
    )
playwright = pytest.importorskip(
    "playwright.sync_api", reason="browser tests skipped: pip install playwright (the test extra)"
)


class Tab:
    """One browser page that records the requests it tries, those that got an answer, and the
    dialogs it opens."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.page = context.new_page()
        self.tried: list[str] = []  # the browser's policy may still have blocked these
        self.requests: list[str] = []  # answered
        self.dialogs: list[str] = []
        self.page.on("request", lambda request: self.tried.append(request.url))
        self.page.on("requestfinished", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def off_site(self, origin: str) -> list[str]:
        """Requests that went anywhere but ``origin`` (data: URLs aside)."""
        return [u for u in self.requests if not u.startswith((origin + "/", "data:"))]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as driver:
        # As root, chromium runs only without its own sandbox (the page sandbox still holds).
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=args)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(web_archive: Any) -> Iterator[Serving]:
    with Serving("--data-dir", str(web_archive.data)) as serving:
        yield serving


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1100, "height": 760}, locale="zh-CN")
    yield Tab(context)
    context.close()


def screenshot(tab: Tab, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    tab.page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    keep = os.environ.get("CHINAREPORT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)


def test_search_filter_read_compare_and_view_as_archived(
    tab: Tab, served: Serving, web_archive: Any, tmp_path: Path
) -> None:
    page = tab.page
    page.goto(served.url + "/")
    page.fill("input[name=q]", "厚街")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/?q=*")
    assert parse_qs(urlsplit(page.url).query) == {"q": ["厚街"]}
    marks = page.locator("li.hit mark").all_inner_texts()
    assert len(marks) >= page.locator("li.hit").count() > 3
    assert set(marks) == {"厚街"}
    # The highlight is visible: a coloured background behind the word.
    colour = page.locator("li.hit mark").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")

    facet = page.locator("#facet-channel li a").first
    channel = facet.inner_text()
    count = int(page.locator("#facet-channel li .count").first.inner_text())
    facet.click()
    page.wait_for_url("**channel=*")
    assert parse_qs(urlsplit(page.url).query) == {"q": ["厚街"], "channel": [channel]}
    metas = page.locator("li.hit p.meta").all_inner_texts()
    assert len(metas) == min(count, 20) and all(channel in m for m in metas)
    screenshot(tab, "search", tmp_path)

    first = page.locator("li.hit h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == title
    assert page.locator("div.body p").count() > 2
    screenshot(tab, "article", tmp_path)

    # The article that changed between the crawls: its versions page shows the new paragraph.
    page.goto(served.url + "/?q=" + quote("新增的段落"))
    page.locator("li.hit h3 a").first.click()
    page.wait_for_url("**/articles/*")
    page.locator("a", has_text="versions (1 earlier)").first.click()
    page.wait_for_url("**/versions")
    assert page.locator("div.diff-body p.added").all_inner_texts() == [ADDED_PARAGRAPH]
    added = page.locator("div.diff-body p.added").evaluate("e => getComputedStyle(e).backgroundColor")
    assert added not in ("rgba(0, 0, 0, 0)", "transparent")

    page.go_back()
    page.locator("a", has_text="archived view").first.click()
    page.wait_for_url("**/archived")
    frame_element = page.locator("iframe.archived")
    assert frame_element.get_attribute("sandbox") == ""
    frame = frame_element.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    assert ADDED_PARAGRAPH in frame.locator("body").inner_text()
    assert tab.off_site(served.url) == [] and tab.dialogs == []


def archived_title(web_archive: Any) -> str:
    return web_archive.truth[web_archive.scripted]["title"]


def test_a_script_in_an_archived_page_does_not_run(
    tab: Tab, browser: Any, served: Serving, web_archive: Any
) -> None:
    from pipelines.db import open_engine
    from pipelines.query import get_article

    engine = open_engine(web_archive.db_url, read_only=True)
    article = get_article(engine, web_archive.scripted)
    engine.dispose()
    assert article is not None
    beacon = web_archive.beacon
    response_url = f"{served.url}/articles/{article['id']}/archived/response"

    # Control: the same archived bytes without our sandbox do run and do call home, so the
    # checks below would see it if the sandbox failed.
    control = Tab(browser.new_context())
    beacon.page = control.page.request.get(response_url).body()
    control.page.goto(beacon.url + "/unsandboxed")
    control.page.wait_for_function("document.title === 'PWNED'")
    control.page.wait_for_timeout(500)
    assert any(p.startswith("/called-home") for p in beacon.requests)
    control.context.close()
    beacon.requests.clear()

    page = tab.page
    page.goto(f"{served.url}/articles/{article['id']}")  # the iframe on the article page
    page.locator("iframe.archived").scroll_into_view_if_needed()
    page.goto(f"{served.url}/articles/{article['id']}/archived")  # the archived view
    frame = page.locator("iframe.archived").element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    page.wait_for_timeout(1000)
    assert frame.title() != "PWNED" and archived_title(web_archive) in frame.title()
    assert page.title().startswith("As archived")
    page.goto(response_url)  # even opened on its own, outside the iframe
    page.wait_for_timeout(1000)
    assert page.title() != "PWNED" and archived_title(web_archive) in page.title()
    assert beacon.requests == []
    assert not [u for u in tab.requests if "called-home" in u]
    # The page's own <img> and stylesheet were tried and blocked; its script never ran at all.
    assert not [u for u in tab.tried if "called-home?fetch" in u or "called-home?script" in u]
    assert tab.off_site(served.url) == [] and tab.dialogs == []


def test_html_in_a_crawled_title_and_body_shows_as_text(
    tab: Tab, served: Serving, web_archive: Any
) -> None:
    page = tab.page
    page.goto(served.url + "/?q=" + quote("厚街标题"))
    assert page.locator("li.hit h3").first.inner_text() == HOSTILE_TITLE
    page.locator("li.hit h3 a").first.click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.title().startswith(HOSTILE_TITLE)
    assert tab.dialogs == [] and tab.off_site(served.url) == []


def test_a_hostile_archive_is_inert(tab: Tab, tmp_path: Path) -> None:
    data = build_hostile(tmp_path / "hostile")
    with Serving("--data-dir", str(data)) as serving:
        page = tab.page
        page.goto(serving.url + "/articles/1")
        assert page.locator("h1").inner_text() == HOSTILE["title"]
        assert page.locator("div.body p").all_inner_texts() == HOSTILE["body"].split("\n")
        protocols = page.eval_on_selector_all("a[href]", "els => els.map(a => a.protocol)")
        assert set(protocols) <= {"http:", "https:"}
        assert page.evaluate("document.querySelectorAll('script, [onload], [onerror]').length") == 0
        # The archived PNG is shown from the archive; the javascript: image is text.
        assert page.locator("section.images img").evaluate("img => img.naturalWidth") == 1
        assert "javascript:alert(1)" in page.locator("section.images figure").first.inner_text()
        # Following the hostile channel value is a search filter, nothing more.
        page.locator("table.fields a", has_text="javascript:alert(1)").click()
        page.wait_for_url("**/?channel=*")
        assert page.locator("li.hit").count() == 1
        assert tab.dialogs == [] and tab.off_site(serving.url) == []
