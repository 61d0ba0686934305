"""Sitemaps: page URLs read from <loc>, hostile XML never expanded."""

from __future__ import annotations

from crawler.frontier.sitemaps import is_sitemap, sitemap_locs

URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://example.cn/a/1.html</loc><lastmod>2024-02-26</lastmod></url>
  <url><loc> http://example.cn/a/2.html?x=1&amp;y=2 </loc></url>
  <url><loc><![CDATA[http://example.cn/a/3.html]]></loc></url>
  <url><loc>/relative/4.html</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
</urlset>"""

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<urlset><url><loc>http://example.cn/&lol3;</loc></url><url><loc>http://example.cn/ok.html</loc></url></urlset>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset><url><loc>&xxe;</loc></url><url><loc>http://example.cn/b.html</loc></url></urlset>"""


def test_locs_are_read_in_order_unescaped_and_absolute():
    assert is_sitemap(URLSET, {"Content-Type": "application/xml"})
    assert sitemap_locs(URLSET, "http://example.cn/sitemap.xml") == [
        "http://example.cn/a/1.html",
        "http://example.cn/a/2.html?x=1&y=2",
        "http://example.cn/a/3.html",
        "http://example.cn/relative/4.html",
    ]


def test_a_sitemap_index_is_a_sitemap_and_html_is_not():
    index = '<sitemapindex><sitemap><loc>http://e.cn/s1.xml</loc></sitemap></sitemapindex>'
    assert is_sitemap(index)
    assert sitemap_locs(index, "http://e.cn/") == ["http://e.cn/s1.xml"]
    assert not is_sitemap("<html><body><urlset></urlset></body></html>", {"Content-Type": "text/html"})


def test_entity_bombs_and_external_entities_are_never_expanded():
    # A <loc> that needs a DTD entity is skipped; the rest of the sitemap is read.
    assert sitemap_locs(BOMB, "http://example.cn/") == ["http://example.cn/ok.html"]
    assert sitemap_locs(XXE, "http://example.cn/") == ["http://example.cn/b.html"]


def test_a_crawl_started_from_a_sitemap_fetches_its_pages(tmp_path):
    import re
    import subprocess
    import sys

    from sqlalchemy import create_engine, text

    from crawler.sample_site import build_site, serve

    site = build_site()
    data = tmp_path / "data"
    with serve(site) as server:
        sitemap = server.site.pages["/sitemap.xml"].body.decode()
        locs = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", f"{server.url}/sitemap.xml",
             "--data-dir", str(data), "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "DEPTH_LIMIT=1"],
            check=False, capture_output=True, text=True, timeout=300,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    with create_engine(f"sqlite:///{data / 'articles.db'}").connect() as conn:
        fetched = {u for (u,) in conn.execute(text("SELECT url FROM fetches WHERE status = 200"))}
    # Depth 1 from the sitemap: exactly the pages it lists (and robots.txt), nothing they link.
    assert locs <= fetched
    assert fetched - locs == {f"{server.url}/sitemap.xml", f"{server.url}/robots.txt"}
