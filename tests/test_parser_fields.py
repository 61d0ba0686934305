"""Per-field rules of the parser on small hand-written pages of the chinareport family."""

from __future__ import annotations

from crawler.parser import Article, find_next_pages, merge_pages, parse_page

URL = "http://news.example.cn/shehui/2024/0226/123.html"
PARAGRAPHS = (
    "<p>今年以来,厚街镇坚持问题导向,扎实推进民生实事项目,群众满意度持续提高,各项工作取得新进展。</p>"
    "<p>会议强调,要把基层治理现代化摆在更加突出的位置,以钉钉子精神抓好各项工作落实,确保任务按期完成。</p>"
)


def page(head: str = "", meta: str = "", body: str = PARAGRAPHS, after: str = "", title: str = "厚街镇推进基层治理现代化") -> bytes:
    return f"""<html><head><meta charset="utf-8"><title>{title}_新闻中心_示例网</title>{head}</head>
<body><div class="nav"><a href="/">首页</a> <a href="/shehui/">社会</a> <a href="/jingji/">经济</a></div>
<div class="crumb">当前位置:<a href="/">首页</a> &gt; <a href="/shehui/">社会</a></div>
<div class="content"><h1>{title}</h1>
<div class="info">{meta}</div>
<div class="text">{body}</div>
{after}</div>
<div class="footer">版权所有 示例网 京ICP备00000000号</div></body></html>""".encode()


def parse(data: bytes, url: str = URL) -> Article:
    return parse_page(data, url)


def test_labels_and_values_in_separate_elements() -> None:
    meta = "<span>发布日期:</span><div>2024年05月20日 13:15</div><span>信息来源:</span><div>人民日报</div>"
    article = parse(page(meta=meta, after="<div><span>责任编辑:</span></div><div>张毅</div>"))
    assert article.published == "2024-05-20T13:15:00+08:00"
    assert article.published_raw == "2024年05月20日 13:15"
    assert article.source == "人民日报"
    assert article.editors == ["张毅"]
    assert article.channel == "社会"
    assert article.status == "ok"


def test_several_fields_on_one_line_without_spaces() -> None:
    article = parse(page(meta="2019-09-26 12:11来源：证券时报网作者：李在山"))
    assert article.published == "2019-09-26T12:11:00+08:00"
    assert article.source == "证券时报网" and article.authors == ["李在山"]


def test_hidden_metadata_is_not_read() -> None:
    meta = (
        '<div style="display:none">发布时间:2001-01-01 00:00 来源:假来源 作者:假作者</div>'
        "发布时间:2024-02-26 11:33:41 来源:中国报道"
    )
    article = parse(page(meta=meta))
    assert article.published == "2024-02-26T11:33:41+08:00"
    assert article.source == "中国报道" and article.authors == []


def test_unknown_author_gives_empty_list_and_editor_on_same_line() -> None:
    article = parse(page(meta="2019-09-05 11:10 游民星空[整理] 作者：未知 责任编辑：棒棒不是糖"))
    assert article.authors == []
    assert article.editors == ["棒棒不是糖"]
    assert article.source == "游民星空"


def test_lead_byline_with_correspondent_and_photographer() -> None:
    body = (
        "<p>本报讯(记者 张三 李四 通讯员 王五)近日,厚街镇召开重点工作推进会,部署全年目标任务,要求各部门协同推进。</p>"
        + PARAGRAPHS
        + "<p>图为会议现场。赵六 摄</p>"
    )
    article = parse(page(meta="发布时间:2024-02-26", body=body))
    assert article.authors == ["张三", "李四"]
    assert article.published == "2024-02-26"
    assert "赵六" not in (article.body or "")


def test_trailing_name_and_credit_lines() -> None:
    body = PARAGRAPHS + "<p>南美站活动将先后在巴西、乌拉圭、阿根廷举行,推动经贸合作不断深化。(张巨峰)</p>"
    after = "<p>(责任编辑:刘则华)</p><p>编辑 刘晓阳 校对 李铭</p>"
    article = parse(page(meta="2024-02-26 08:00 来源:山西日报", body=body, after=after))
    assert article.authors == ["张巨峰"]
    assert article.editors == ["刘则华"]
    assert article.body is not None and article.body.endswith("(张巨峰)")
    assert "校对" not in article.body


def test_primary_editor_wins_and_names_split() -> None:
    after = "<p>(编辑:严玉洁 王辉)</p><p>【责任编辑:郝帅、杨迪】</p>"
    article = parse(page(meta="2024-05-17 08:59 来源:北京青年报", after=after))
    assert article.editors == ["郝帅", "杨迪"]


def test_original_title_caption_and_share_lines_out_of_body() -> None:
    body = (
        '<p style="text-align:center"><img src="/img/a.jpg"></p><p style="text-align:center">图为会议现场</p>'
        + PARAGRAPHS
        + "<p>原标题:厚街镇召开会议</p><p>分享到:微信 微博</p>"
    )
    article = parse(page(meta="2024-02-26 11:33 来源:中国报道", body=body))
    assert article.images == [{"src": "http://news.example.cn/img/a.jpg", "caption": "图为会议现场"}]
    assert article.body == "\n".join(
        [
            "今年以来,厚街镇坚持问题导向,扎实推进民生实事项目,群众满意度持续提高,各项工作取得新进展。",
            "会议强调,要把基层治理现代化摆在更加突出的位置,以钉钉子精神抓好各项工作落实,确保任务按期完成。",
        ]
    )


def test_title_suffix_and_pretitle_are_not_the_title() -> None:
    data = page(meta="2024-02-26 来源:人民网").replace(
        b"<h1>", "<p class='pretitle'>坚持问题导向</p><h1>".encode()
    )
    assert parse(data).title == "厚街镇推进基层治理现代化"


def test_meta_date_only_when_page_shows_none() -> None:
    head = '<meta property="article:published_time" content="2024-03-01T09:30:00+08:00">'
    article = parse(page(head=head, meta="来源:中国报道 作者:张三"))
    assert article.published == "2024-03-01T09:30:00+08:00"
    shown = parse(page(head=head, meta="发布时间:2024-02-26 11:33:41 来源:中国报道"))
    assert shown.published == "2024-02-26T11:33:41+08:00"


def test_partial_when_published_missing() -> None:
    article = parse(page(meta="来源:中国报道 作者:张三"), url="http://news.example.cn/a/123.html")
    assert article.status == "partial" and article.missing == ["published"]
    assert article.to_record()["missing"] == ["published"]


def test_about_and_listing_pages_are_not_articles() -> None:
    about = page(title="关于我们", meta="", body="<p>中国报道杂志社是国务院新闻办公室主管的新闻单位,致力于报道中国发展进程,服务读者。</p>")
    assert parse(about, "http://news.example.cn/about.html").status == "not_article"
    items = "".join(f"<li><a href='/a/{n}.html'>厚街镇推进第{n}项重点工作取得新进展</a> 2024-02-{n:02d}</li>" for n in range(1, 25))
    listing = f"<html><head><title>社会_示例网</title></head><body><ul>{items}</ul></body></html>".encode()
    assert parse(listing, "http://news.example.cn/shehui/").status == "not_article"


def test_next_pages_and_merge() -> None:
    pager = "<div class='pages'><a href='123.html'>1</a><a href='123_2.html'>2</a><a href='123_3.html'>3</a><a href='123_2.html'>下一页</a></div>"
    first = parse(page(meta="发布时间:2024-02-26 11:33 来源:中国报道", after=pager))
    assert first.next_pages == [
        "http://news.example.cn/shehui/2024/0226/123_2.html",
        "http://news.example.cn/shehui/2024/0226/123_3.html",
    ]
    second = parse(page(meta="发布时间:2024-02-26 11:33 来源:中国报道", body="<p>第二页的内容继续介绍厚街镇的做法,群众普遍表示满意,干部干劲更足。</p>"), first.next_pages[0])
    assert second.next_pages == []
    merged = merge_pages(first, [second])
    assert merged.page_count == 2 and merged.status == "ok"
    assert merged.body is not None and merged.body.endswith("干部干劲更足。")
    assert merged.body.startswith(first.body or "")


def test_next_page_link_without_numbered_pager() -> None:
    links = [("123_2.html", "下一页"), ("/other/9_2.html", "2"), ("http://elsewhere.cn/shehui/2024/0226/123_3.html", "3")]
    assert find_next_pages(URL, links) == ["http://news.example.cn/shehui/2024/0226/123_2.html"]


P1 = "会议指出,2023年,在省委、市委的正确领导下,全镇上下立足发展定位,推动各项事业取得新进步。"
P2 = "会议强调,高质量发展是我国经济社会发展的主题主线,是中国式现代化的本质要求,全镇上下要保持定力。"


def test_old_table_layout_with_br_paragraphs() -> None:
    data = f"""<html><head><meta charset=gbk><title>某某网</title></head><body><table>
<tr><td><a href=/>首页</a> | <a href=/n/>新闻</a></td></tr>
<tr><td class="title">某县召开乡村振兴推进会议</td></tr>
<tr><td>2010-05-06 09:12 来源：新华社 作者：记者 王五</td></tr>
<tr><td class="content">　　{P1}<br><br>　　{P2}<br><br>（完）</td></tr><tr><td>编辑：李四</td></tr>
</table></body></html>""".encode("gbk")
    article = parse(data)
    assert article.charset == "gb18030"
    assert (article.title, article.source, article.authors, article.editors) == (
        "某县召开乡村振兴推进会议", "新华社", ["王五"], ["李四"])
    assert article.published == "2010-05-06T09:12:00+08:00"
    assert article.body == f"{P1}\n{P2}"


def test_weekday_between_date_and_time_and_slash_byline() -> None:
    data = f"""<html><head><meta charset=utf-8><title>某县召开会议 - 某某网</title></head><body>
<div class=top>今天是2024年5月1日 星期三</div><div class="article-title">某县召开会议</div>
<div class=meta>2024-05-02 星期四 10:00</div><div class=con><p>文/张三</p><p>{P1}</p><p>{P2}</p></div>
<div>编辑：李四 审核：王五</div><ul><li><a href=/x.html>相关新闻一二三四五六</a> 2024-01-01</li></ul></body></html>""".encode()
    article = parse(data)
    assert article.title == "某县召开会议"
    assert article.published == "2024-05-02T10:00:00+08:00"
    assert article.authors == ["张三"] and article.editors == ["李四"]
    assert article.body == f"{P1}\n{P2}"


def test_plain_lead_byline() -> None:
    body = f"<p>本报讯 记者 赵六 报道：{P1}</p><p>{P2}</p>"
    assert parse(page(meta="时间：2024-05-02 来源：县融媒体中心", body=body)).authors == ["赵六"]
    body = f"<p>东方网记者曹磊5月13日报道：{P1}</p><p>{P2}</p>"
    assert parse(page(meta="时间：2024-05-13", body=body)).authors == ["曹磊"]


def test_document_write_of_strings_and_variables_is_read() -> None:
    from crawler.parser.tree import script_writes

    code = ('var str_ly = "松岭日报"; if (str_ly != "") { document.write("来源：" + str_ly + "&nbsp;"); }'
            'document.write(\'<span>责任编辑：汪婷</span>\');')
    assert script_writes(code).split() == ["来源：松岭日报", "责任编辑：汪婷"]
    assert script_writes("document.write(hits(12)); var a = 1;") == ""
    assert script_writes("alert(1)") == ""
