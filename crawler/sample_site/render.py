"""HTML for the sample site: article, listing, home and info pages, robots.txt, sitemap.

Markup follows the real chinareport pages (``div.time`` date line, ``div.row.article``
body, ``位置:当前位置:首页 >> 乡村`` breadcrumb) and stays plain and consistent.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from crawler.sample_site import phrases
from crawler.sample_site.compose import ArticleSpec

SITE_NAME = "中国报道网"
SLOGAN = "中国报道网——中国报道杂志唯一官方网站"
CSS_PATH = "/static/css/style.css"
LOGO_PATH = "/static/images/logo.png"
FOOTER_LINKS = (
    ("/about.html", "关于我们"),
    ("/contact.html", "联系我们"),
    ("/legal.html", "法律顾问"),
    ("/copyright.html", "版权声明"),
)
RELATED_PLACEHOLDER = "<!--related-->"


def channel_index_path(slug: str, page_no: int = 1) -> str:
    """Path of a channel listing page: ``/xiangcun/index.html``, ``/xiangcun/index_2.html``."""
    return f"/{slug}/index.html" if page_no == 1 else f"/{slug}/index_{page_no}.html"


def _head(title: str, charset: str, description: str = "") -> str:
    if charset == "utf-8":
        meta = '<meta charset="utf-8">'
    else:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />'
    desc = f'\n<meta name="description" content="{escape(description)}" />' if description else ""
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f"{meta}\n<title>{escape(title)}</title>\n"
        f'<meta name="keywords" content="中国报道,中国报道网,新闻" />{desc}\n'
        f'<link rel="stylesheet" type="text/css" href="{CSS_PATH}" />\n'
        "</head>\n<body>\n"
    )


def _header() -> str:
    nav = "".join(
        f'<li><a href="{channel_index_path(slug)}">{name}</a></li>'
        for slug, name in phrases.CHANNELS.items()
    )
    return (
        '<div class="header">\n'
        f'<div class="logo"><a href="/"><img src="{LOGO_PATH}" alt="{SITE_NAME}" /></a></div>\n'
        f'<div class="slogan">{SLOGAN}</div>\n'
        f'<ul class="nav"><li><a href="/">首页</a></li>{nav}</ul>\n'
        "</div>\n"
    )


def _footer() -> str:
    links = "|".join(f'<a href="{path}">{name}</a>' for path, name in FOOTER_LINKS)
    return (
        '<div class="footer">\n'
        f"<p>{links}</p>\n"
        "<p>版权所有 中国报道杂志社 广播电视节目制作经营许可证:(京)字第07311号 "
        "电子邮件: chinareport@foxmail.com 法律顾问:北京岳成律师事务所</p>\n"
        "<p>电话: 010-68995855 互联网出版许可证:新出网证(京)字 189号 京ICP备08103425号 "
        "京公网安备:110102000508</p>\n"
        "</div>\n</body>\n</html>\n"
    )


def _breadcrumb(channel: str | None, colon: str = ":") -> str:
    crumbs = '<a href="/">首页</a>'
    if channel:
        crumbs += (
            f' &gt;&gt; <a href="{channel_index_path(channel)}">{phrases.CHANNELS[channel]}</a>'
        )
    return f'<div class="location">位置{colon}当前位置{colon}{crumbs}</div>\n'


def _paragraph(text: str, headings: set[str]) -> str:
    if text in headings:
        return f"<p><strong>{escape(text)}</strong></p>\n"
    return f"<p>\u3000\u3000{escape(text)}</p>\n"


def _page_nav(spec: ArticleSpec, page_no: int) -> str:
    count = len(spec.pages)
    if count == 1:
        return ""

    def name(n: int) -> str:  # relative links between pages, as dedecms writes them
        return spec.page_path(n).rsplit("/", 1)[1]

    parts = []
    if page_no > 1:
        parts.append(f'<a href="{name(page_no - 1)}">上一页</a>')
    for n in range(1, count + 1):
        parts.append(f"<span>{n}</span>" if n == page_no else f'<a href="{name(n)}">{n}</a>')
    if page_no < count:
        parts.append(f'<a href="{name(page_no + 1)}">下一页</a>')
    return f'<div class="pages">{" ".join(parts)}</div>\n'


def article_page(spec: ArticleSpec, page_no: int) -> str:
    """One page of an article, with ``RELATED_PLACEHOLDER`` where related links go."""
    colon = "\uff1a" if spec.fullwidth else ":"
    charset = "gb2312" if spec.gbk else "utf-8"
    paragraphs = list(spec.pages[page_no - 1])
    last_page = page_no == len(spec.pages)
    if last_page and spec.credit:
        paragraphs[-1] += spec.credit
    body = [_paragraph(p, spec.headings) for p in paragraphs]
    if page_no == 1 and spec.captions:
        at = min(2, len(body))
        images = "".join(
            f'<p style="text-align: center;"><img src="{src}" alt="" /></p>\n'
            f'<p style="text-align: center;">{escape(caption)}</p>\n'
            for src, caption in zip(spec.image_srcs(), spec.captions)
        )
        body.insert(at, images)
    info = f'发布时间{colon}{spec.published_text()} <span class="tg">推广</span> 来源{colon}{spec.source}'
    if spec.author_in_field:
        info += f" 作者{colon}{' '.join(spec.authors)}"
    editor = f'<div class="editor">责任编辑{colon}{spec.editors[0]}</div>\n' if spec.editors else ""
    description = spec.pages[0][0][:80]
    return (
        _head(f"{spec.title}-{SITE_NAME}", charset, description)
        + _header()
        + '<div class="container">\n'
        + _breadcrumb(spec.channel, colon)
        + '<div class="main">\n'
        + f"<h1>{escape(spec.title)}</h1>\n"
        + f'<div class="time">{info}</div>\n'
        + '<div class="row article">\n'
        + "".join(body)
        + "</div>\n"
        + _page_nav(spec, page_no)
        + editor
        + '<div class="share">分享到:微信 微博 QQ空间</div>\n'
        + RELATED_PLACEHOLDER
        + "</div>\n</div>\n"
        + _footer()
    )


def related_block(links: Sequence[tuple[str, str]]) -> str:
    """The 相关阅读 list for an article page."""
    if not links:
        return ""
    items = "".join(f'<li><a href="{path}">{escape(title)}</a></li>' for path, title in links)
    return f'<div class="related">\n<h3>相关阅读</h3>\n<ul>{items}</ul>\n</div>\n'


def _article_list(items: Sequence[tuple[str, str, str]]) -> str:
    lis = "".join(
        f'<li><a href="{path}">{escape(title)}</a><span class="date">{date}</span></li>\n'
        for path, title, date in items
    )
    return f'<ul class="list">\n{lis}</ul>\n'


def listing_page(
    slug: str, page_no: int, page_count: int, items: Sequence[tuple[str, str, str]]
) -> str:
    """A channel listing page: (path, title, date) items and 首页/上一页/1 2 3/下一页/尾页."""
    name = phrases.CHANNELS[slug]

    def file(n: int) -> str:
        return channel_index_path(slug, n).rsplit("/", 1)[1]

    nav = [f'<a href="{file(1)}">首页</a>']
    if page_no > 1:
        nav.append(f'<a href="{file(page_no - 1)}">上一页</a>')
    first = max(1, page_no - 4)
    for n in range(first, min(page_count, first + 9) + 1):
        nav.append(f"<span>{n}</span>" if n == page_no else f'<a href="{file(n)}">{n}</a>')
    if page_no < page_count:
        nav.append(f'<a href="{file(page_no + 1)}">下一页</a>')
    nav.append(f'<a href="{file(page_count)}">尾页</a>')
    return (
        _head(f"{name}-{SITE_NAME}", "utf-8")
        + _header()
        + '<div class="container">\n'
        + _breadcrumb(slug)
        + f'<div class="main">\n<h2>{name}</h2>\n'
        + _article_list(items)
        + f'<div class="pages">共{page_count}页 {" ".join(nav)}</div>\n'
        + "</div>\n</div>\n"
        + _footer()
    )


def home_page(
    recent: Sequence[tuple[str, str, str]],
    by_channel: dict[str, Sequence[tuple[str, str, str]]],
    offsite: Sequence[tuple[str, str]],
) -> str:
    """The home page: latest articles, a block per channel, 友情链接 to other sites."""
    blocks = "".join(
        f'<div class="block">\n<h2><a href="{channel_index_path(slug)}">'
        f"{phrases.CHANNELS[slug]}</a></h2>\n{_article_list(items)}</div>\n"
        for slug, items in by_channel.items()
    )
    friends = " ".join(f'<a href="{url}">{escape(name)}</a>' for url, name in offsite)
    return (
        _head(f"{SITE_NAME}——中国报道杂志唯一官方网站", "utf-8", "中国报道杂志官方网站")
        + _header()
        + '<div class="container">\n'
        + '<div class="main">\n<h2>最新发布</h2>\n'
        + _article_list(recent)
        + blocks
        + f'<div class="friends">友情链接:{friends}</div>\n'
        + "</div>\n</div>\n"
        + _footer()
    )


def info_page(title: str, paragraphs: Sequence[str]) -> str:
    """A non-article page such as 关于我们: no date, no byline, no editor."""
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    return (
        _head(f"{title}-{SITE_NAME}", "utf-8")
        + _header()
        + '<div class="container">\n'
        + _breadcrumb(None)
        + f'<div class="main">\n<h2>{escape(title)}</h2>\n<div class="content">\n{body}</div>\n'
        + "</div>\n</div>\n"
        + _footer()
    )


def robots_txt(base_url: str, disallowed: Sequence[str]) -> str:
    """robots.txt disallowing ``disallowed`` (directory prefixes) and naming the sitemap."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallowed), ""]
    lines.append(f"Sitemap: {base_url}/sitemap.xml")
    return "\n".join(lines) + "\n"


def sitemap_xml(base_url: str, entries: Sequence[tuple[str, str]]) -> str:
    """A sitemap of (path, lastmod) entries with absolute ``<loc>`` URLs."""
    urls = "".join(
        f"<url><loc>{escape(base_url + path)}</loc><lastmod>{lastmod}</lastmod></url>\n"
        for path, lastmod in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    )


STYLESHEET = """body { margin: 0; font: 14px/1.8 "Microsoft YaHei", SimSun, sans-serif; color: #333; }
.header { background: #b30000; color: #fff; padding: 8px 20px; }
.header a { color: #fff; text-decoration: none; }
.nav li { display: inline-block; margin-right: 18px; }
.container { width: 1000px; margin: 0 auto; }
.location { color: #666; padding: 8px 0; }
.main h1 { font-size: 24px; text-align: center; }
.time { text-align: center; color: #888; }
.row.article p { text-indent: 0; margin: 12px 0; }
.editor { text-align: right; color: #666; }
.list li { list-style: none; border-bottom: 1px dashed #ddd; }
.list .date { float: right; color: #999; }
.pages { text-align: center; margin: 16px 0; }
.footer { background: #f2f2f2; text-align: center; color: #666; padding: 12px; }
"""
