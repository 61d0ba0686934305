"""The 来源 of an article: labelled, beside the date, or the publishing account's name."""

from __future__ import annotations

import re

from lxml import etree

from .dates import ParsedDate, find_dates, parse_date
from .labels import LabelHit, cut_value, has_label, label_text
from .patterns import (
    ALL_LABELS,
    PERSON_ICON_RE,
    PLACE_PREFIX_RE,
    SOURCE_SLOT_HINT_RE,
    SOURCE_SUFFIX_RE,
    SPACED_LABEL_RE,
)
from .tree import Document, class_and_id, slot_texts
from .zones import NEAR_DATE_LINES, Zones

# Words printed beside a date that are not a source: weekdays, tools, counters.
NOT_SOURCE_RE = re.compile(
    r"^(?:星期|礼拜|周[一二三四五六日天]|字号|打印|分享|浏览|阅读|点击|评论|收藏|访问|[\d:：.,/-]+$|\d+(?:人|次|条))"
)
# A platform's verification badge after a medium's name (百家号, 头条号): 北辰商报官方帐号.
ACCOUNT_BADGE_RE = re.compile(r"(?<=..)(?:官方)?(?:帐号|账号)$")
# An e-paper's print line: 《 华夏日报 》（ 2024年03月05日 第 04 版）.
EPAPER_NAME_RE = re.compile(r"《\s*([^《》]{2,20}?)\s*》\s*[（(]?$")
NOT_SOURCES = frozenset({"本站", "互联网", "未知", "admin", "字号", "打印", "分享"})
SLOT_MAX_CHARS = 20
ACCOUNT_LINE_REACH = 3
# Badges before an account's name: 原创 南方都市报 · 原创：39健康网.
BADGE_RE = re.compile(r"^(?:原创|独家|首发|转载|置顶)\s*[:：]?\s*")
# Buttons beside an account's name.
BUTTON_RE = re.compile(r"^[+＋]?\s*(?:关注|已关注|订阅|已订阅|私信|分享|收藏|举报|取消关注)$")
# Class or id words of the element that holds an account's or writer's name in a header.
ACCOUNT_HINT_RE = re.compile(
    r"author|name|nick|source|media|account|writer|user|laiyuan|zuozhe", re.IGNORECASE
)
SOURCE_MAX_CHARS = 30


def clean_source(value: str) -> str | None:
    """A 来源 value without brackets, notes and what follows it on the line."""
    value = cut_value(value)
    dates = find_dates(value)
    if dates and dates[0].start > 0:
        value = value[: dates[0].start]  # 来源：人民日报2024-05-13 08:49
    value = value.split(" ")[0] if value else ""
    value = ACCOUNT_BADGE_RE.sub("", value).strip(" ·|-—:：,，。")  # 北辰商报官方帐号: the medium
    if not value or len(value) < 2 or len(value) > SOURCE_MAX_CHARS or value in NOT_SOURCES:
        return None
    if value.startswith(("http", "www.")) or parse_date(value) is not None:
        return None
    return value


def _after_person_icon(owner: etree._Element, token: str) -> bool:
    """``<i class="fa fa-user"></i>NAME``: the icon says the words after it are a person."""
    for element in owner.iter():
        if PERSON_ICON_RE.search(class_and_id(element)) and (element.tail or "").strip().startswith(token):
            return True
    return False


def _date_position(doc: Document, date_line: int, published: ParsedDate | None) -> tuple[str, int]:
    if date_line < 0 or published is None or date_line >= len(doc.lines):
        return "", -1
    text = doc.lines[date_line].text
    return text, text.find(published.raw)


def _source_before_date(doc: Document, date_line: int, published: ParsedDate | None) -> str | None:
    """The medium's name printed before the date: "湖湘日报 2024-06-03 07:40:12" ·
    "城市快报客户端 记者 包一鸣 2024-03-05 08:30" · "原创 南方都市报 2019-09-09 16:01:46" ·
    "《 华夏日报 》（ 2024年03月05日 第 04 版）" (an e-paper)."""
    text, position = _date_position(doc, date_line, published)
    if position < 0:
        return None
    before = text[:position].strip(" ·|-—/")
    badged = BADGE_RE.match(before)
    before = before[badged.end():] if badged else before
    if badged and before and not re.search(r"[\s:：，。]", before) and not has_label(before):
        return clean_source(before)  # 原创 GameForce 2019-09-04: the account's own post
    paper = EPAPER_NAME_RE.search(before)
    if paper:
        return clean_source(paper.group(1))
    first = before.split(" ")[0]
    rest = before[len(first):].strip()
    if (
        first
        and SOURCE_SUFFIX_RE.search(first)
        and not re.search(r"[:：]", first)
        and (not rest or SPACED_LABEL_RE.match(rest))
    ):
        return clean_source(first)
    return None


def _source_after_date(doc: Document, date_line: int, published: ParsedDate | None,
                       authors: list[str]) -> str | None:
    """The word printed after the date: "2019-09-26 10:56:28 证券时报网"."""
    text, position = _date_position(doc, date_line, published)
    if position < 0 or published is None:
        return None
    rest = text[position + len(published.raw) :].strip(" ·|-—/")
    token = rest.split(" ")[0] if rest else ""
    if (
        token
        and not NOT_SOURCE_RE.match(token)
        and re.search(r"[\u4e00-\u9fff]", token)
        and not re.search(r"[:：]", token)
        and label_text(token) not in ALL_LABELS  # the word 来源于 itself
        and not PLACE_PREFIX_RE.match(token)  # an IP location: 来自内蒙古自治区
        and token not in authors  # the writers' pen names printed beside the date
        and not _after_person_icon(doc.lines[date_line].owner, token)
    ):
        return clean_source(token)
    return None


def _account_line_source(doc: Document, date_line: int, head: list[int],
                         authors: list[str]) -> str | None:
    """The publishing account's (or the medium's) name on a line of its own just above or
    below the date, past buttons such as 关注: a medium's name (``新华社``), or a name in an
    element its template marks as the account's or author's (百家号's author-name)."""
    if date_line < 0:
        return None
    inside = set(head)
    for direction in (-1, 1):
        position = date_line + direction
        while position in inside and abs(position - date_line) <= ACCOUNT_LINE_REACH:
            line = doc.lines[position]
            if line.image is not None or BUTTON_RE.match(line.text):
                position += direction
                continue
            text = line.text
            hinted = any(ACCOUNT_HINT_RE.search(class_and_id(element))
                         for element in (line.owner, line.owner.getparent()) if element is not None)
            if (len(text) <= SLOT_MAX_CHARS and not re.search(r"[\s:：，。！？]", text)
                    and not has_label(text) and not find_dates(text) and text not in authors
                    and (hinted or SOURCE_SUFFIX_RE.search(text))):
                return clean_source(text)
            break
    return None


def find_source(
    doc: Document, zones: Zones, hits: dict[str, list[LabelHit]], date_line: int,
    published: ParsedDate | None, authors: list[str] | None = None,
) -> str | None:
    """The 来源 value near the title, then after the body, then beside the date above the title;
    without a label, a medium's name beside the date, then the publishing account's slot."""
    for zone in ("head", "inner", "tail"):
        for hit in hits[zone]:
            if hit.kind == "source":
                source = clean_source(hit.value)
                if source:
                    return source
    # Templates that print date and source above the headline (新华网 h-info).
    for hit in reversed(hits["before"]):
        if hit.kind == "source" and date_line >= 0 and abs(hit.line_index - date_line) <= NEAR_DATE_LINES:
            source = clean_source(hit.value)
            if source:
                return source
    authors = authors or []
    found = (_source_before_date(doc, date_line, published)
             or _account_line_source(doc, date_line, zones.head, authors)
             or _source_after_date(doc, date_line, published, authors))
    if found:
        return found
    # A self-media page: the account's name in its own element above the text.
    for text in slot_texts(doc, zones.head, SOURCE_SLOT_HINT_RE):
        if not find_dates(text) and text not in authors and not has_label(text):
            source = clean_source(text)
            if source:
                return source
    return None
