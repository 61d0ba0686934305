"""The families of error the unseen real pages showed (issue #12), each on a small page.

Each test breaks when its rule goes: the page is built so that without the rule the field
comes out as the unseen pages had it (a medium as author, a disclaimer as editor, ...).
"""

from __future__ import annotations

from crawler.parser import Article, parse_page
from crawler.parser.controls import strip_controls
from crawler.parser.dates import find_dates

URL = "http://news.example.cn/shehui/2024/0226/123.html"
TEXT = (
    "<p>今年以来，厚街镇坚持问题导向，扎实推进民生实事项目，群众满意度持续提高，各项工作取得新进展。</p>"
    "<p>会议强调，要把基层治理现代化摆在更加突出的位置，以钉钉子精神抓好各项工作落实，确保任务按期完成。</p>"
)
LAST = "会议强调，要把基层治理现代化摆在更加突出的位置，以钉钉子精神抓好各项工作落实，确保任务按期完成。"


def page(meta: str = "", body: str = TEXT, after: str = "", above: str = "",
         title: str = "厚街镇推进基层治理现代化") -> bytes:
    return f"""<html><head><meta charset="utf-8"><title>{title}_示例网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/shehui/">社会</a></div>
<div class="article">{above}<h1>{title}</h1>
<div class="info">{meta}</div>
<div class="text">{body}{after}</div></div>
<div class="footer">版权所有 示例网</div></body></html>""".encode()


def parse(data: bytes) -> Article:
    return parse_page(data, URL)


# --- people -------------------------------------------------------------------------
def test_a_medium_in_the_author_slot_is_no_author_and_a_credit_after_the_text_is() -> None:
    article = parse(page(meta="2024年05月16日 17:02 新京报 作者：新京报",
                         after="<p>（总台央视记者 奚丹霓 张赛）</p>"))
    assert article.authors == ["奚丹霓", "张赛"]
    assert article.source == "新京报"
    assert article.body is not None and article.body.endswith(LAST)  # the credit is not body


def test_boilerplate_is_never_a_name() -> None:
    after = ("<p>作者：转载请注明出处</p>"
             "<p>责任编辑：搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。</p>")
    article = parse(page(meta="2024-02-26 11:33", after=after))
    assert article.authors == []
    assert article.editors == []


def test_an_empty_editor_label_does_not_take_the_next_sentence() -> None:
    after = "<p>责任编辑：</p><p>香港警方：示威行动未发生致命事件，谴责造谣者</p>"
    article = parse(page(meta="2024-02-26 11:33", after=after))
    assert article.editors == []
    assert "谴责造谣者" not in (article.body or "")  # the editor's credit closes the text


def test_work_credits_and_pen_names() -> None:
    body = "<p><strong>执笔/叨叨姐、胡一刀&amp;李小飞刀</strong></p>" + TEXT
    article = parse(page(meta="2020-06-05 20:35 <span>叨叨姐</span> <span>胡一刀</span>", body=body))
    assert article.authors == ["叨叨姐", "胡一刀", "李小飞刀"]
    assert article.source is None  # the writers' names beside the date are not a source
    assert not article.body.startswith("执笔")


def test_writer_credit_with_post_and_job_title() -> None:
    body = TEXT.replace("完成。</p>", "完成。（作者：韩立新 湘江大学经济学院教授）</p>")
    article = parse(page(meta="2024-02-26 11:33", body=body))
    assert article.authors == ["韩立新"]
    article = parse(page(meta="2024-02-26 11:33 作者：研究员徐占忱"))
    assert article.authors == ["徐占忱"]


def test_lead_byline_after_a_placeholder() -> None:
    body = "<p>调查问题加载中，请稍候。</p><p>新华社北京5月19日电（刘艺、杨吉）" + TEXT[3:]
    article = parse(page(meta="2024-05-20 03:15", body=body))
    assert article.authors == ["刘艺", "杨吉"]
    assert "加载中" not in (article.body or "")


def test_inline_writer_credit_stays_in_its_paragraph() -> None:
    body = TEXT.replace("完成。</p>", "完成。（文/图 张三 李四）</p>")
    article = parse(page(meta="2024-02-26 11:33", body=body))
    assert article.body.endswith("（文/图 张三 李四）")
    assert article.authors == ["张三", "李四"]


# --- source -------------------------------------------------------------------------
def test_source_in_a_sentence_without_separator() -> None:
    article = parse(page(meta="2024-02-26 11:33", after="<p>本文来源于滨江日报</p>"))
    assert article.source == "滨江日报"
    article = parse(page(meta="2024-02-26 11:33", after="<p>信息来源于网络</p>"))
    assert article.source == "网络"


def test_medium_on_its_own_line_beside_the_date() -> None:
    article = parse(page(meta="<p>新华社</p><p>2020-01-03 18:13</p>"))
    assert article.source == "新华社"


def test_self_media_account_slots() -> None:
    # 百家号 style: the account's name in an author-name element above the date.
    meta = '<p class="author-name">八卦大相公</p><div class="article-source">发布时间：2020-01-14 17:58</div>'
    article = parse(page(meta=meta))
    assert article.source == "八卦大相公" and article.authors == []
    # 头条 style: 原创 badge, the account, the date.
    article = parse(page(meta="<span>原创</span> <span>GameForce</span> <span>2019-09-04 22:18:34</span>"))
    assert article.source == "GameForce"
    # WeChat style: a nickname slot, and a writer's slot apart from it.
    meta = ('<span class="meta_text"><span id="js_author_name">kingname</span></span>'
            '<span class="meta_nickname"><a>未闻Code</a><div style="display:none">二维码 未闻Code</div></span>')
    article = parse(page(meta=meta))
    assert article.source == "未闻Code" and article.authors == ["kingname"]


def test_what_beside_the_date_is_not_a_source() -> None:
    article = parse(page(meta="2024年01月25日 18:03:35 来自内蒙古自治区"))
    assert article.source is None
    meta = '<a class="post-date">2019年09月11日</a> <i class="fa fa-user"></i>富达传媒 <i class="fa fa-eye"></i>1665'
    assert parse(page(meta=meta)).source is None
    article = parse(page(meta="2021-01-20 04:29:44 1665"))
    assert article.source is None


def test_labelled_source_wins_over_the_account_name() -> None:
    meta = '<p class="author-name">上海证券报网络版</p><p>2005.08.2605:39</p>'
    after = "<p>天津创业股份有限公司董事会</p><p>2005年8月25日（来源：上海证券报）</p>"
    article = parse(page(meta=meta, after=after))
    assert article.source == "上海证券报"
    assert article.published == "2005-08-26T05:39:00+08:00"  # not the signature's date


# --- dates --------------------------------------------------------------------------
def test_dates_as_templates_print_them() -> None:
    assert find_dates("2005.08.2605:39")[0].value.isoformat() == "2005-08-26T05:39:00+08:00"
    article = parse(page(meta="发布时间：18-03-08 23:16"))
    assert article.published == "2018-03-08T23:16:00+08:00"
    # Items of a metadata row side by side: the seconds stay the seconds.
    article = parse(page(meta="<em>2021-01-20 04:29:44</em><em><a>39健康网</a></em>"))
    assert article.published == "2021-01-20T04:29:44+08:00"
    assert article.source == "39健康网"


def test_update_time_loses_to_the_publish_time_beside_it() -> None:
    article = parse(page(meta="2024-03-05 10:20 更新时间：2024-03-09 08:00"))
    assert article.published == "2024-03-05T10:20:00+08:00"
    article = parse(page(meta="最后更新：2024-03-09 08:00"))
    assert article.published == "2024-03-09T08:00:00+08:00"  # the only date shown


# --- body ---------------------------------------------------------------------------
def test_editors_note_in_the_flow_is_body_and_a_summary_box_is_not() -> None:
    body = "<p><strong>编者按：</strong>即日起，本报推出系列报道，走近各行各业的一线技术工人。</p>" + TEXT
    assert parse(page(meta="2024-02-26 11:33", body=body)).body.startswith("编者按：")
    body = '<div class="summary">核心提示：厚街镇扎实推进民生实事项目，群众满意度持续提高。</div>' + TEXT
    assert parse(page(meta="2024-02-26 11:33", body=body)).body.startswith("今年以来")
    body = "<p>【摘要】厚街镇扎实推进民生实事项目，群众满意度持续提高。</p>" + TEXT
    assert parse(page(meta="2024-02-26 11:33", body=body)).body.startswith("今年以来")
    lead = "<p>厚街镇扎实推进民生实事项目，群众满意度持续提高，各项工作取得新进展。</p>"
    body = lead + TEXT + lead.replace("</p>", "记者了解到，这是今年的第三次。</p>")
    assert parse(page(meta="2024-02-26 11:33", body=body)).body.startswith("今年以来")


def test_short_run_on_lines_open_and_close_the_text() -> None:
    body = ("<p>下周一，</p><p>京沪高速施工就将进入第二阶段，</p><p>也是对市民出行影响最大的一段。</p>" + TEXT
            + "<p>道路施工会给大家的出行带来不便，</p><p>愿大家都能</p><p>平安出行，安全到家。</p>"
            + "<p>来源：无锡交警</p>")
    article = parse(page(meta="2019-05-17", body=body))
    assert article.body.startswith("下周一，")
    assert article.body.endswith("平安出行，安全到家。")
    assert article.source == "无锡交警"


def test_text_after_a_picture_box_with_its_own_caption_is_text() -> None:
    body = (TEXT + '<div class="pgc-img"><img src="/a.jpg"><p class="pgc-img-caption"></p></div>'
            "<p>游戏在Steam售价36元，支持Windows和MAC，暂时没有简体中文</p>")
    article = parse(page(meta="2019-09-04 22:18:34", body=body))
    assert article.body.endswith("暂时没有简体中文")
    assert article.images == [{"src": "http://news.example.cn/a.jpg", "caption": None}]


def test_program_listings_do_not_push_the_text_out() -> None:
    code = "".join(f"<pre>line_{n} = client.lpop('test')</pre>" for n in range(30))
    body = "<p>熟悉 Golang 的同学都知道，Golang 里面有一个关键词叫做defer，它可以实现延迟调用。</p>" + code + TEXT
    article = parse(page(meta="2020-02-11 18:47", body=body))
    assert article.body.startswith("熟悉 Golang")
    assert article.body.endswith(LAST)


def test_links_to_other_stories_end_the_text() -> None:
    after = "<p>延伸 · 推荐</p><p>女警一天打100电话被停机，电信核实非诈骗后恢复了通话。</p>"
    article = parse(page(meta="2019-09-07 16:28:35", after=after))
    assert article.body.endswith(LAST)


# --- control characters (issue #18) -------------------------------------------------
def test_control_characters_never_leave_the_parser() -> None:
    title = "[视频]【独家】厚街\x1b[31m红字\x1b[0m\u202e反转\u2066隔离\u2069\x9b标题"
    article = parse(page(title=title, meta="2024-02-26 11:33 来源：中国\x07报道\x00"))
    assert article.title == "[视频]【独家】厚街[31m红字[0m反转隔离标题"
    assert article.source == "中国报道"
    record = article.to_record()
    text = str(record)
    assert not any(ch in text for ch in "\x1b\x00\x07\u202e\u2066\u2069")
    assert strip_controls("一\n二\x85三", keep_newlines=True) == "一\n二三"
    assert strip_controls("一\n二") == "一 二"


def test_a_date_split_over_elements_and_a_zone_word_before_the_time() -> None:
    meta = '<div class="year">2019</div><div class="md">09/07</div><div class="time">19:02</div>'
    assert parse(page(meta=meta)).published == "2019-09-07T19:02:00+08:00"
    article = parse(page(meta="更新时间 2012年12月10日, 格林尼治标准时间10:41"))
    assert article.published == "2012-12-10T10:41:00+00:00"  # as shown, in the zone it names
