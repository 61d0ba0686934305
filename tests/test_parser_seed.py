"""The seed page (the text of a real 中国报道 article) rebuilt as chinareport-like HTML parses exactly."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from crawler.parser import PARSER_VERSION, parse_page

SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "seed" / "000_cc7644a91a9315a6.txt"
URL = "http://www.chinareports.org.cn/xczx/2024/0226/41234.html"
TITLE = "2024年东莞厚街重点发力“三大行动”“三大工程”"


def seed_lines() -> list[str]:
    if not SEED.exists():
        pytest.skip(f"seed page text not found at {SEED}")
    return [line.strip() for line in SEED.read_text("utf-8").splitlines() if line.strip()]


def seed_paragraphs(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith("中国报道讯"))
    end = next(i for i, line in enumerate(lines) if line.startswith("责任编辑"))
    return lines[start:end]


def seed_html(lines: list[str], encoding: str = "utf-8", declared: str = "utf-8") -> bytes:
    """The seed text in markup shaped like the real site (div.time, div.row.article)."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in seed_paragraphs(lines))
    footer = "".join(f"<p>{html.escape(line)}</p>" for line in lines[lines.index("责任编辑:陈伟赞") + 1 :])
    page = f"""<!DOCTYPE html>
<html><head><meta charset="{declared}">
<title>{TITLE}-中国报道网</title>
<meta name="keywords" content="厚街,三大行动">
<meta property="og:title" content="{TITLE}">
</head><body>
<div class="header"><a href="/"><img src="/images/logo.png" alt="中国报道"></a>
<span class="slogan">{lines[0]}</span>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xczx/">乡村</a></li>
<li><a href="/szyw/">时政要闻</a></li><li><a href="/jj/">经济</a></li></ul></div>
<div class="container"><div class="position">位置:当前位置:<a href="/">首页</a> &gt;&gt; <a href="/xczx/">乡村</a></div>
<div class="row title"><h1>{TITLE}</h1></div>
<div class="time">发布时间:2024-02-26 11:33:41 <span class="tg">推广</span> 来源:中国报道</div>
<div class="row article">
{paragraphs}
</div>
<div class="editor">责任编辑:陈伟赞</div>
<div class="share">分享到: <a href="#">微信</a> <a href="#">微博</a></div>
<div class="related"><h3>相关阅读</h3><ul>
<li><a href="/xczx/2024/0220/41100.html">东莞厚街推进“百千万工程”见闻</a></li>
<li><a href="/xczx/2024/0218/41050.html">乡村振兴示范带建设提速</a></li></ul></div>
</div>
<div class="footer"><p><a href="/about/">关于我们</a>|<a href="/contact/">联系我们</a>|法律顾问|版权声明</p>
{footer}</div>
</body></html>"""
    return page.encode(encoding)


def expected_body(lines: list[str]) -> str:
    paragraphs = seed_paragraphs(lines)
    paragraphs[-1] = paragraphs[-1].replace("(供稿/供图厚街宣教办)", "")
    return "\n".join(paragraphs)


def test_seed_page_fields() -> None:
    lines = seed_lines()
    article = parse_page(seed_html(lines), URL, {"Content-Type": "text/html; charset=utf-8"})
    assert article.title == TITLE
    assert article.published == "2024-02-26T11:33:41+08:00"
    assert article.published_raw == "2024-02-26 11:33:41"
    assert article.source == "中国报道"
    assert article.authors == ["黄楚芳"]
    assert article.editors == ["陈伟赞"]
    assert article.channel == "乡村"
    assert article.body == expected_body(lines)
    assert article.body.startswith("中国报道讯(黄楚芳 报道)近日")
    assert "供稿" not in article.body and "责任编辑" not in article.body
    assert "推广" not in (article.source or "")
    assert article.status == "ok" and article.missing == []
    assert article.charset == "utf-8"
    assert article.parser_version == PARSER_VERSION
    record = article.to_record()
    assert record["authors"] == ["黄楚芳"] and record["status"] == "ok"


def test_seed_page_gbk_declared_gb2312() -> None:
    lines = seed_lines()
    article = parse_page(seed_html(lines, "gbk", "gb2312"), URL)
    assert article.charset == "gb18030"
    assert article.title == TITLE
    assert article.body == expected_body(lines)


def test_seed_page_utf8_declared_gb2312() -> None:
    lines = seed_lines()
    article = parse_page(seed_html(lines, "utf-8", "gb2312"), URL)
    assert article.charset == "utf-8"
    assert article.title == TITLE and article.editors == ["陈伟赞"]
