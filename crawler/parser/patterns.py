"""Label patterns, tag sets and boilerplate rules, kept as named data (no code)."""

from __future__ import annotations

import re

# --- tree reading -----------------------------------------------------------
BLOCK_TAGS = frozenset(
    ["address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "td", "th", "tr", "ul", "caption", "br"]
)
SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "template", "iframe", "object", "embed", "select", "option", "textarea", "button", "svg", "canvas", "head", "title", "meta", "link", "input", "map", "video", "audio"]
)
HEADING_TAGS = ("h1", "h2", "h3")
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
# Blocks styled visibility:hidden are shown by a script (WeChat's #js_content): only inline
# elements styled so count as hidden.
INVISIBLE_STYLE_RE = re.compile(r"visibility\s*:\s*hidden", re.IGNORECASE)
# Comment sections beside the article: not its text, whatever they say.
COMMENT_HINT_RE = re.compile(
    r"(?:^|[\s_-])(?:comment|pinglun|reply|replies|discuss|liuyan|pl[-_])", re.IGNORECASE
)
# A long statement closing an article is boilerplate too.
STATEMENT_RE = re.compile(
    r"^[【\[]?\s*[^\s，。：:]{0,10}?(?:版权(?:说明|声明)|免责声明|特别声明|平台声明)\s*[】\]]?\s*[:：]"
    # a self-media platform's notice: 以上内容…为…平台…用户上传并发布，本平台仅提供信息存储服务
    r"|^以上内容.{0,60}?(?:用户上传并发布|仅提供信息存储)"
)
CENTERED_STYLE_RE = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
# Class or id words that mark a headline element on most templates.
TITLE_HINT_RE = re.compile(r"title|headline|biaoti|tit\b|bt\b", re.IGNORECASE)
# Class or id words of blocks inside an article that are not its text: QR codes (二维码, ewm),
# follow-us and share boxes.
PROMO_HINT_RE = re.compile(
    r"ewm|erweima|qr_?code|wx_?code|weixin_?code|gongzhonghao|gzh|guanzhu|share"
    # copyright and disclaimer boxes closing the text
    r"|copyright|disclaimer|banquan|shengming",
    re.IGNORECASE,
)
# Class or id words of a summary box set apart from the text (not its body).
SUMMARY_HINT_RE = re.compile(r"summary|abstract|zhaiyao|daoyu|digest", re.IGNORECASE)
CAPTION_HINT_RE = re.compile(r"caption|pic_?txt|img_?txt|img_?desc|pictext|imgnote|desc", re.IGNORECASE)

# --- labels -----------------------------------------------------------------
# Labels are matched on a copy of the line with the traditional forms of their characters
# made simplified, one character for one (positions stay), so 來源 and 責任編輯 are labels
# too while values keep the page's own characters.
TRADITIONAL_LABEL_CHARS = str.maketrans(
    "來記責編輯發佈時間審對攝圖訊電報導採綜實習見點擊瀏覽閱讀標籤關鍵詞欄號體擊稿選務覽聞網",
    "来记责编辑发布时间审对摄图讯电报导采综实习见点击浏览阅读标签关键词栏号体击稿选务览闻网",
)
SEPARATOR = r"\s*(?:[:：|︱｜丨/]|&nbsp;)\s*"
DATE_LABELS = ("发布时间", "发稿时间", "发表时间", "发布日期", "更新时间", "时间", "日期")
# Dates that are not the publication: taken only when a page shows no other labelled date.
SECONDARY_DATE_LABELS = ("更新时间", "修改时间", "最后更新", "成文日期", "印发日期", "生效日期",
                         "实施日期", "截止日期", "报名时间", "活动时间")
SOURCE_LABELS = ("本文来源于", "本文来源", "本文转自", "信息来源", "稿件来源", "文章来源", "新闻来源", "来源于",
                 "转载自", "来源", "稿源", "转自", "出处")
AUTHOR_LABELS = ("文/图", "图/文", "作者", "记者", "撰文", "撰稿", "执笔", "采写", "文字", "文")
EDITOR_LABELS = ("责任编辑", "责编", "编辑", "选稿")
PRIMARY_EDITOR_LABELS = ("责任编辑", "责编")
# Labels that only end the value before them.
OTHER_LABELS = (
    "通讯员", "摄影", "摄像", "图片", "图", "校对", "出品", "监制", "统筹", "审校", "审签", "终审",
    # Reviewers and non-text editors are not the article's editor.
    "审核", "初审", "一审", "二审", "三审", "复审", "审定", "图片编辑", "美术编辑", "视频编辑",
    "版面编辑", "新媒体编辑",
    # Picture and video credits are not the article's source.
    "图片来源", "题图来源", "题图", "图源", "视频来源", "封面来源",
    "点击数", "点击", "浏览次数", "浏览", "阅读", "字号", "字体", "分享到", "分享", "打印",
    "关键词", "标签", "Tag", "TAG", "栏目", "访问量",
)
ALL_LABELS = tuple(
    sorted(
        set(DATE_LABELS + SECONDARY_DATE_LABELS + SOURCE_LABELS + AUTHOR_LABELS + EDITOR_LABELS
            + OTHER_LABELS),
        key=len,
        reverse=True,
    )
)
# A label starts a line or follows white space, a digit or an opening bracket
# (or, for labels of two or more characters, anything when a colon follows:
# ``12:11来源：证券时报网作者：李在山``), and is followed by a separator; the
# lookahead keeps ``文/`` from matching ``文/图``. The pattern starts with the labels
# themselves, so the regex engine skips quickly to where one may begin; what may stand
# before a label is checked on each match (``labels.label_matches``).
COLON_LABELS = frozenset(label for label in ALL_LABELS if len(label) >= 2 and "/" not in label)
LABEL_RE = re.compile(
    r"(?P<label>"
    + "|".join(re.escape(label) for label in ALL_LABELS)
    + r")(?P<sep>\s*(?:[:：︱｜|丨]|/(?![图文]))\s*|(?<=文/图|图/文)\s+)"
)
LABEL_AFTER_RE = re.compile(r"[\s【\[（(|｜︱丨>»\d]")  # what a label may follow
COLON_SEP_RE = re.compile(r"\s*[:：｜|丨︱]")  # 界域新闻记者 | 郭晓雯 too

# Role words followed by a name after plain white space, on short metadata
# lines: ``编辑 何晓芳 校对 刘军`` · ``作者 老张`` · ``来源：滨江日报 记者 宋晓雯``.
SPACED_LABELS = ("责任编辑", "责编", "编辑", "作者", "记者", "校对", "通讯员", "摄影", "审核", "二审", "三审", "终审",
                 "来源于", "来源")
SPACED_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s【\[（(|｜︱]))(?P<label>"
    + "|".join(SPACED_LABELS)
    + r")(?P<sep>\s+)(?=[\u4e00-\u9fffA-Za-z《])"
)
SPACED_LABEL_MAX_CHARS = 80
# A source named in a short sentence with no separator: 本文来源于滨江日报 · 信息来源于网络 ·
# 本文转自某某公众号.
UNSEPARATED_SOURCE_RE = re.compile(
    r"^[（(【\[]?(?:本文|信息|文章|内容|新闻|稿件|图文)?(?P<label>来源于|转载自|转自)(?P<sep>)"
    r"(?=[\u4e00-\u9fffA-Za-z《])"
)
UNSEPARATED_SOURCE_MAX_CHARS = 40

# An unlabelled name printed before the date (``湖湘日报 2024-06-03 07:40``)
# is a source only when it reads like a medium or an office, not a person.
SOURCE_SUFFIX_RE = re.compile(
    r"(?:报|网|社|台|新闻|客户端|频道|刊|杂志|周刊|中心|局|办|委|院|部|厅|站|政府|APP|号|在线|资讯)$"
)

# Class or id words of the element that holds the publishing account's name on self-media and
# portal pages (nickname, source, media name), and of the element that holds a writer's name.
SOURCE_SLOT_HINT_RE = re.compile(
    r"source|nick_?name|laiyuan|media_?name|account_?name|wemedia|mp_?name", re.IGNORECASE
)
AUTHOR_SLOT_HINT_RE = re.compile(r"author|writer|zuozhe", re.IGNORECASE)
# An icon that marks the next words as a person (blog templates: <i class="fa fa-user"></i>NAME).
PERSON_ICON_RE = re.compile(r"(?:^|[\s_-])(?:user|author|person|people)(?:$|[\s_-])", re.IGNORECASE)
# What follows a date but names a place, not a medium: an IP location (来自内蒙古自治区, 发布于北京).
PLACE_PREFIX_RE = re.compile(r"^(?:来自|发布于|IP属地|属地)")

# --- people -----------------------------------------------------------------
# Role words inside a byline: the names after them have that role.
ROLE_RE = re.compile(
    r"(\S*?(?:特约记者|见习记者|实习记者|首席记者|记者|通讯员|实习生|摄影|摄像|校对|编辑|责编|出品|制图|视频))"
)
AUTHOR_ROLES = ("记者", "实习生")
UNKNOWN_PEOPLE = frozenset({"未知", "佚名", "不详", "admin", "Admin", "管理员", "本站", "网络", "匿名"})
# Words that sit next to names in bylines but are not names.
NOT_NAME_WORDS = frozenset(
    {"报道", "整合", "综合", "编译", "编辑", "记者", "本报", "本台", "本网", "报道组", "摄", "文", "图",
     "文图", "图文", "完", "供稿", "供图", "通讯员", "实习生", "整理", "采写", "撰稿", "发自", "联合",
     "作者", "撰文", "执笔", "责任编辑", "责编", "来源"}
)
# White space between two Latin letters stays inside a name (``Anna Li``).
NAME_SPLIT_RE = re.compile(r"[、，,;；/|｜︱&＆]+|\s+(?![A-Za-z])|(?<![A-Za-z])\s+")
LATIN_NAME_RE = re.compile(r"[A-Za-z][A-Za-z.\-']*(?: [A-Za-z][A-Za-z.\-']*){1,3}")
# A Chinese name is two to four characters (six with a compound surname); longer runs of Han
# characters are words, not names (a question after 记者：in an interview).
MAX_HAN_NAME_CHARS = 6
HAN_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
NAME_TRIM_RE = re.compile(r"^(?:本报|本台|本网|特约|见习|实习|首席)?记者|(?:报道|整合|综合|编译|整理|采写|摄)$")
# A name has a letter or a Han character: ``2024-03-05`` beside a byline is not one.
PERSON_NAME_RE = re.compile(r"^(?=.*[^\W\d_])[\w·•．.\-_]{2,20}$")
# Two-character names padded to the width of three (``周　凯``, ``韩 冬``): two
# lone characters separated only by white space are one name.
SPACED_NAME_RE = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[ \u3000\xa0]+([\u4e00-\u9fff])(?![\u4e00-\u9fff])")
NOT_SPACED_NAME_CHARS = frozenset("摄文图完等")
# A unit before the writer's name (``文：农技站 孟庆华``): dropped when a person is named too.
ORGANISATION_RE = re.compile(
    r"(?:站|局|中心|院|所|委|办|部|处|科|队|社|报|台|网|刊|公司|集团|支部|协会|学会|学院|大学|中学|小学|医院|车间|组)$"
)
# A bracket in a lead without any role word that names a programme or medium,
# not a reporter: 央视网消息（新闻联播）.
MEDIA_WORD_RE = re.compile(r"新闻|联播|日报|晚报|早报|客户端|频道|电视|广播|网|社|台|栏目|节目")
# 中国报道讯(黄楚芳 报道) · 新京报讯（记者 陆一夫） · 人民网合肥11月8日电 （记者钱伟）
LEAD_BYLINE_RE = re.compile(
    r"^.{0,40}?(?:讯|电|消息|报道)\s*[（(](?P<inner>[^（()）]{1,40})[)）]"
)
# Bylines in a lead without brackets: 本报讯 记者 赵六 报道: · 东方网记者曹磊5月13日报道:
PLAIN_LEAD_BYLINE_RES = (
    # 南都讯 记者 黄思敏 通讯员 深铁宣 5月17日,… (names end where the text turns to digits or a colon)
    re.compile(
        r"^.{0,30}?(?:讯|电)\s*(?P<inner>\S{0,4}记者\s*[\u4e00-\u9fff·]{2,4}(?:[\s、][\u4e00-\u9fff·]{2,4}){0,3}"
        r"(?:\s+(?:通讯员|实习生|见习记者)\s*[\u4e00-\u9fff·]{2,6}(?:[\s、][\u4e00-\u9fff·]{2,4}){0,3})*)"
        r"\s*(?:报道)?\s*(?:[:：]|\s(?=\d{1,2}月|\d{1,2}日|近日|日前|昨天|昨日|今天|今日|当天))"
    ),
    re.compile(r"^\S{0,12}?记者\s*(?P<inner>[\u4e00-\u9fff·]{2,4})\s*\d{1,2}月\d{1,2}日(?:电|讯|报道)"),
)
# A paragraph that opens with the byline: （记者 张三 李四）…
OPENING_BYLINE_RE = re.compile(r"^[（(](?P<inner>(?:[^（()）]{0,10}记者)[^（()）]{1,30})[)）]")
# 澎湃新闻记者 贺梨萍 · 本报记者 张三 (a line of its own)
# 记者 邓文涛 通讯员 罗小红 报道 (role words between the names; padded names ``周　凯``)
BYLINE_LINE_RE = re.compile(
    r"^(?:[\w]{0,12}?)(?P<byline>(?:记者|作者)\s*[\u4e00-\u9fff·]{1,4}(?:[\s、，,]+[\u4e00-\u9fff·]{1,4}){0,6})$"
)
# A writer credited by the work done, on a short line of its own: 路闻卓立编译 · 张三 撰文
# (after a badge such as 原创：, and before an account's name).
WORK_BYLINE_RE = re.compile(
    r"^(?:(?:原创|独家|首发)\s*[:：]?\s*)?(?P<byline>[\u4e00-\u9fff·]{2,6}(?:[、\s][\u4e00-\u9fff·]{2,6}){0,2})"
    r"\s*(?:编译|撰文|采写)(?:\s|$)"
)
# A trailing reporter name closing the last paragraph: …举行。（张巨峰）
TRAILING_NAME_RE = re.compile(
    r"[（(](?:(?:文/图|图/文|文|作者|撰文|执笔)\s*[/:：|︱]?\s*)?(?P<inner>(?:[^\s（()）]{0,10}?记者\s*)?[\u4e00-\u9fff]{2,4}(?:[\s、][\u4e00-\u9fff]{2,4}){0,2})[)）]$"
)
# A writer's credit closing the text, with the writer's post after the name:
# （作者：韩立新 湘江大学经济学院教授）.
TRAILING_AUTHOR_LABEL_RE = re.compile(
    r"[（(]\s*(?:作者|撰文|执笔|文)\s*[:：/|︱]\s*(?P<names>[^（()）]{2,40})[)）]\s*$"
)
# A post before a name (研究员徐占忱): not part of it.
JOB_TITLE_PREFIX_RE = re.compile(
    r"^(?:副?研究员|副?教授|讲师|博士|院士|副?主任|处长|局长|书记|院长|所长|会长|总监|律师|医生|主编|总编辑|总编|社长)"
    r"(?=[\u4e00-\u9fff]{2,4}$)"
)
# A summary set apart before the text: 核心提示 · 【摘要】 · 导语： · 【导读】.
SUMMARY_RE = re.compile(r"^[【\[]?\s*(?:核心提示|内容提要|摘要|提要|导语|导读)\s*[】\]]?\s*[:：]?")
# Labels of an update time: a date after one is not the publication.
SECONDARY_DATE_BEFORE_RE = re.compile(r"(?:更新时间|修改时间|最后更新|更新于|编辑于)\s*[:：]?\s*$")
NOT_TRAILING_NAMES = frozenset({"完", "待续", "未完待续", "图", "组图", "视频", "全文完", "原创"})

# An author value that names a medium, not a person (作者：新京报).
MEDIUM_NAME_RE = re.compile(
    r"(?:日报|晚报|早报|时报|商报|报社|报|新闻网|网|通讯社|社|电视台|台|新闻|客户端|频道|杂志|周刊|传媒|融媒)$"
)
# Words a person's name never holds: a reprint notice or a disclaimer taken for a name.
NOT_IN_NAME_RE = re.compile(r"转载|注明|出处|请|版权|声明|平台|信息|发布|提供|仅|系|本站|本网|查看|更多|返回|点击")

# --- body boilerplate -------------------------------------------------------
# Lines dropped from the body wherever they are.
BOILERPLATE_LINE_RES = tuple(
    re.compile(p)
    for p in (
        r"^[（(\[【]?\s*(?:责任编辑|责编|编辑|选稿|审核|校对|监制|统筹|终审|审校)\s*[:：/]",
        r"^[（(\[【]?\s*原(?:标)?题(?:为|是)?\s*[:：《]",  # 原标题：… · （原题为《…》）
        # An e-paper's print line: 《光明日报》（2024年05月20日 03版）
        r"^《[^《》]{2,20}》\s*[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*第?\s*\d*\s*版?\s*[)）]$",
        r"^[（(]?\s*(?:作者单位|作者简介|作者系)\s*[:：]",
        r"^[（(\[【]?\s*(?:本文来自|本文来源|文章来源|稿件来源|资料来源|来源)\s*[:：]?",
        r"^[（(\[【]?\s*(?:供稿|供图|图片来源|图片由|图源|题图|视频来源)",
        r"^(?:\S{0,12}?记者|编辑|校对|摄影|通讯员)\s*[\u4e00-\u9fff·]{2,4}(?:\s+(?:\S{0,6}?记者|编辑|校对|摄影|通讯员)?\s*[\u4e00-\u9fff·]{2,4}){0,5}$",
        r"^(?:文|图|文/图|图/文|文图)\s*[/:：|]\s*\S{2,12}(?:\s+\S{2,12}){0,3}$",
        r"(?:摄|供图|图片来源[:：]?\S*)\s*[)）]?$",
    )
)
# Lines dropped only when short: the same words occur inside real sentences.
SHORT_BOILERPLATE_RE = re.compile(
    r"分享到|扫一扫|扫描二维码|打印本页|关闭窗口|【纠错】|纠错|举报|收藏本文|加入收藏|字号[:：]?\s*[大中小]"
    r"|版权所有|Copyright|©|ICP备|ICP证|未经授权|转载请注明|不得转载|禁止转载|违法和不良信息"
    r"|阅读剩余全文|展开全文|点击查看|点击进入|上一篇|下一篇|上一页|下一页|返回顶部|相关阅读|相关新闻"
    r"|相关链接|延伸阅读"
    # Placeholders a script fills in: 调查问题加载中，请稍候。
    r"|加载中|请稍候|刷新本页面|若长时间无响应",
    re.IGNORECASE,
)
SHORT_BOILERPLATE_CHARS = 60
# A credit closing the last paragraph: …服务。(供稿/供图厚街宣教办)
TRAILING_CREDIT_RE = re.compile(
    # (not a writer's credit, which is part of the paragraph it closes: …（文/图 张三）)
    r"\s*[（(](?:供稿|供图|稿件|图片|图(?![/／]文)|来源|摄影|通讯员|资料来源|本文来源|责任编辑|责编|编辑)"
    r"[^（()）]{0,40}[)）]\s*$"
)
# An editor credit closing the last paragraph: …完成。（编辑 张三）
TRAILING_EDITOR_RE = re.compile(r"[（(](?:责任编辑|责编|编辑)\s*[:：]?\s*(?P<names>[^（()）]{2,30})[)）]\s*$")
# Headings after which a body has only apparatus: references and notes.
END_MATTER_RE = re.compile(
    r"^[【\[]?\s*(?:参考文献|参考资料|参考书目|注释|References"
    # and the links to other stories a template puts after the text: 延伸 · 推荐 · 相关阅读
    r"|(?:延伸|相关|推荐|扩展|往期)\s*[·•・|]?\s*(?:阅读|推荐|新闻|链接|文章|报道)?)\s*[】\]]?\s*[:：]?$"
)
# Lines above a headline that name a topic or column, not the article: 专题：两会进行时.
NOT_TITLE_RE = re.compile(r"^(?:专题|栏目|频道|相关专题|系列报道)\s*[:：]")
# Decorations opening a byline line: ■本报记者 …
BYLINE_BULLETS = "■□●◆◇▲△★☆○◎▶►※·•- \u3000"
# A pre-title or title prefix in <title>: text after these separators is the site name.
TITLE_SEPARATORS_RE = re.compile(r"\s*(?:[_|｜–—]|-{1,2}|\s-\s|::)\s*")
SENTENCE_END = "。！？!?”」』…；;)）"
PROSE_PUNCT_RE = re.compile(r"[，。！？；、,]")
BREADCRUMB_RE = re.compile(r"(?:首页|主页|网站首页|Home)\s*(?:>>|>|›|»|→|/|＞|—|-)\s*")
BREADCRUMB_SPLIT_RE = re.compile(r"\s*(?:>>|>|›|»|→|＞)\s*")
NON_ARTICLE_TITLES_RE = re.compile(r"^(?:关于我们|联系我们|网站地图|版权声明|法律声明|招聘信息|广告服务|隐私政策|用户协议)$")
NEXT_PAGE_TEXT_RE = re.compile(r"^\s*(?:下一页|下页|next)\s*[>»›]*\s*$", re.IGNORECASE)
