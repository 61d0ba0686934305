"""One function per field: title, published, authors, editors, channel (the source: ``sources``)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from .dates import SHANGHAI, ParsedDate, date_from_url, find_dates, parse_date
from .labels import LabelHit, cut_value, has_label
from .patterns import (
    AUTHOR_SLOT_HINT_RE,
    BREADCRUMB_RE,
    BREADCRUMB_SPLIT_RE,
    HEADING_TAGS,
    NOT_TITLE_RE,
    PRIMARY_EDITOR_LABELS,
    SECONDARY_DATE_BEFORE_RE,
    SECONDARY_DATE_LABELS,
    SOURCE_SLOT_HINT_RE,
    TITLE_HINT_RE,
    TITLE_SEPARATORS_RE,
    TRAILING_EDITOR_RE,
    UNKNOWN_PEOPLE,
)
from .people import (
    byline_authors,
    byline_line_authors,
    clean_name,
    is_medium,
    lead_authors,
    split_names,
    trailing_authors,
    without_media,
    without_units,
)
from .tree import Document, Line, class_and_id, slot_texts
from .zones import NEAR_TITLE_LINES, Zones

META_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:release_date",
    "pubdate",
    "publishdate",
    "publish_date",
    "ptime",
    "datepublished",
    "dc.date",
    "dc.date.issued",
)
META_TITLE_KEYS = ("og:title", "twitter:title", "headline", "title")
MAX_TITLE_CHARS = 120
MIN_TITLE_CHARS = 4
SHORT_TITLE_CHARS = 8
UNLABELLED_TAIL_LINES = 12
LIST_TAGS = frozenset({"li", "dd", "dt"})
# Top bars print today's date (今天是：2024年3月8日 星期五): never the article's.
TODAY_RE = re.compile(r"今天是|今日是|今天[:：]|今日[:：]|现在是|当前时间")
NEAR_BODY_LINES = 8
MINOR_HEADING_TAGS = ("h4", "h5", "h6")
# A date without its year, as platforms print this year's posts: 03-05 10:20.
YEARLESS_DATE_RE = re.compile(r"^(?P<m>\d{1,2})-(?P<d>\d{1,2})\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?!\d)")
# The same with the year in two digits: 18-03-08 23:16.
SHORT_YEAR_DATE_RE = re.compile(
    r"^(?P<y>\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?!\d)"
)
# A note in brackets after a name: 作者：韩立新（单位：湘江大学经济学院）.
BRACKETED_NOTE_RE = re.compile(r"[（(][^（()）]*[:：][^（()）]*[)）]")
YEAR_ONLY_RE = re.compile(r"^(?:19|20)\d\d$")
SPLIT_DATE_PART_CHARS = 12
LEAD_PARAGRAPHS = 3  # a lead byline may follow a placeholder or a one-line dateline
SLASH_SPLIT_RE = re.compile(r"\s*/\s*")


def squash(text: str) -> str:
    """NFKC text without white space, for comparing strings as a reader would."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


# --- title --------------------------------------------------------------------
def _title_texts(doc: Document) -> list[str]:
    texts = [doc.head_title] if doc.head_title else []
    texts.extend(doc.meta[key] for key in META_TITLE_KEYS if doc.meta.get(key))
    for item in doc.json_ld:
        headline = item.get("headline")
        if isinstance(headline, str):
            texts.append(headline)
    return [squash(text) for text in texts if text]


def _similarity(candidate: str, declared: list[str]) -> float:
    best = 0.0
    for text in declared:
        first = squash(TITLE_SEPARATORS_RE.split(text)[0]) if text else ""
        if candidate == text or candidate == first:
            best = max(best, 1.0)
        elif text.startswith(candidate) and len(candidate) >= 0.4 * len(first or text):
            best = max(best, 0.9)
        elif candidate in text and len(candidate) >= 0.5 * len(first or text):
            best = max(best, 0.7)
        elif first and first in candidate and len(first) >= 0.6 * len(candidate):
            best = max(best, 0.6)
    return best


def _tag_bonus(line: Line) -> float:
    owner = line.owner
    tag = str(owner.tag)
    if tag in HEADING_TAGS:
        return 0.3 - 0.05 * HEADING_TAGS.index(tag)
    if tag in MINOR_HEADING_TAGS:
        return 0.15
    for element in (owner, owner.getparent()):
        if element is not None and TITLE_HINT_RE.search(
            class_and_id(element)
        ):
            return 0.15
    return 0.0


def find_title(doc: Document, limit: int) -> tuple[str | None, int]:
    """The headline as displayed and its line position; ``<title>`` only as a guide."""
    declared = _title_texts(doc)
    best: tuple[float, int] | None = None
    for position, line in enumerate(doc.lines[: limit if limit > 0 else len(doc.lines)]):
        if line.image is not None or not MIN_TITLE_CHARS <= line.length <= MAX_TITLE_CHARS:
            continue
        if (
            (line.link_ratio > 0.5 and _tag_bonus(line) == 0)
            or BREADCRUMB_RE.search(line.text)
            or NOT_TITLE_RE.match(line.text)
        ):
            continue
        text = squash(line.text)
        similarity = _similarity(text, declared)
        if len(text) < SHORT_TITLE_CHARS:
            similarity /= 2  # a channel name such as 新闻动态 in <title>
        bonus = _tag_bonus(line)
        if bonus and 0 <= limit - position <= NEAR_BODY_LINES:
            bonus += 0.5  # the headline sits just above the article
        score = similarity + bonus
        if score >= 0.3 and (best is None or score >= best[0]):
            best = (score, position)
    if best is not None:
        return _whole_heading(doc.lines, best[1]), best[1]
    if doc.head_title:
        first = TITLE_SEPARATORS_RE.split(doc.head_title)[0].strip()
        if len(first) >= MIN_TITLE_CHARS:
            return first, -1
    return None, -1


def _whole_heading(lines: list[Line], position: int) -> str:
    """A headline broken over lines by ``<br>`` inside one heading, joined again."""
    line = lines[position]
    if str(line.owner.tag) not in HEADING_TAGS:
        return line.text

    def headline(other: Line) -> bool:  # not the date or 来源 line some templates put in the h1
        return (other.owner is line.owner and other.image is None
                and not find_dates(other.text) and not has_label(other.text))

    start = end = position
    while start > 0 and headline(lines[start - 1]):
        start -= 1
    while end + 1 < len(lines) and headline(lines[end + 1]):
        end += 1
    return " ".join(lines[n].text for n in range(start, end + 1))


# --- published ------------------------------------------------------------------
def _first_labelled_date(hits: list[LabelHit], secondary: bool) -> tuple[ParsedDate, int] | None:
    # 发布时间 before 更新时间 or 成文日期, wherever each is printed.
    for hit in hits:
        if hit.kind == "date" and (hit.label in SECONDARY_DATE_LABELS) == secondary:
            parsed = parse_date(hit.value)
            if parsed is not None:
                return parsed, hit.line_index
    return None


def _first_date(doc: Document, positions: list[int], strict: bool,
                updates: bool = False) -> tuple[ParsedDate, int] | None:
    # Away from the title, unlabelled dates count only on lines of their own:
    # not in link lists (related articles after the body carry their own dates).
    for position in positions:
        line = doc.lines[position]
        if strict and (line.link_ratio >= 0.5 or line.tag in LIST_TAGS):
            continue
        if line.image is None and line.length < 200 and not TODAY_RE.search(line.text):
            text = line.text
            if YEAR_ONLY_RE.match(text):
                # 2019 / 09/07 / 19:02 in elements of their own, one under the other
                text = " ".join(other.text for other in doc.lines[position : position + 3]
                                if other.image is None and other.length <= SPLIT_DATE_PART_CHARS)
            for found in find_dates(text):
                # 2024-03-05 10:20 更新时间：2024-03-06: an update time is not the publication.
                if updates or not SECONDARY_DATE_BEFORE_RE.search(text[: found.start]):
                    return found, position
    return None


def _meta_date(doc: Document) -> ParsedDate | None:
    for key in META_DATE_KEYS:
        if doc.meta.get(key):
            parsed = parse_date(doc.meta[key])
            if parsed is not None:
                return parsed
    for item in doc.json_ld:
        value = item.get("datePublished")
        if isinstance(value, str):
            parsed = parse_date(value)
            if parsed is not None:
                return parsed
    if doc.script_timestamp is not None:
        moment = datetime.fromtimestamp(doc.script_timestamp, SHANGHAI).replace(second=0)
        # Shown to the minute, as WeChat prints it.
        return ParsedDate(moment, True, str(doc.script_timestamp))
    return None


def find_published(
    doc: Document, zones: Zones, hits: dict[str, list[LabelHit]], url: str
) -> tuple[ParsedDate | None, int]:
    """The visible publication date: labelled first, then the first date beside the title, then an
    update time, then a date after the text (a signature's) or further above the title."""
    for zone in ("head", "tail", "before"):
        labelled = _first_labelled_date(hits[zone], secondary=False)
        if labelled is not None:
            return labelled
    yearless = _yearless_labelled_date(doc, hits, url)
    if yearless is not None:
        return yearless
    near, far = zones.before[-NEAR_TITLE_LINES:][::-1], zones.before[:-NEAR_TITLE_LINES][::-1]
    for positions, strict in ((zones.head, False), (near, True)):
        found = _first_date(doc, positions, strict)
        if found is not None:
            return found[0], doc.lines[found[1]].index
    for zone in ("head", "tail", "before"):
        labelled = _first_labelled_date(hits[zone], secondary=True)
        if labelled is not None:
            return labelled
    # 更新时间 2012年12月10日 printed without a separator: an update time, the only one shown
    updated = _first_date(doc, zones.head, strict=False, updates=True)
    if updated is not None:
        return updated[0], doc.lines[updated[1]].index
    for positions, strict in ((zones.tail[:UNLABELLED_TAIL_LINES], True), (far, True)):
        found = _first_date(doc, positions, strict)
        if found is not None:
            return found[0], doc.lines[found[1]].index
    return _meta_date(doc) or date_from_url(url), -1


def _yearless_labelled_date(
    doc: Document, hits: dict[str, list[LabelHit]], url: str
) -> tuple[ParsedDate, int] | None:
    """``发布时间：03-05 10:20`` (this year's posts on some platforms): the year from a date the
    page declares elsewhere (meta, JSON-LD, URL) when its month and day are the same."""
    for zone in ("head", "tail", "before"):
        for hit in hits[zone]:
            short = SHORT_YEAR_DATE_RE.match(hit.value) if hit.kind == "date" else None
            if short is not None:
                try:
                    month, day, hour, minute = (int(short.group(n)) for n in "mdHM")
                    moment = datetime(2000 + int(short.group("y")), month, day, hour, minute,
                                      tzinfo=SHANGHAI)
                except ValueError:
                    continue
                return ParsedDate(moment, True, short.group(0)), hit.line_index
            found = YEARLESS_DATE_RE.match(hit.value) if hit.kind == "date" else None
            if found is None:
                continue
            month, day, hour, minute = (int(found.group(n)) for n in ("m", "d", "H", "M"))
            for reference in _declared_dates(doc, url):
                if (reference.month, reference.day) == (month, day):
                    try:
                        moment = datetime(reference.year, month, day, hour, minute, tzinfo=SHANGHAI)
                    except ValueError:
                        return None
                    return ParsedDate(moment, True, found.group(0)), hit.line_index
    return None


def _declared_dates(doc: Document, url: str) -> list[date]:
    values = [value for key, value in doc.meta.items() if "date" in key or "time" in key]
    values += [str(item.get(key)) for item in doc.json_ld for key in ("datePublished", "dateModified")
               if item.get(key)]
    found = [parsed.value for parsed in map(parse_date, values) if parsed is not None]
    from_url = date_from_url(url)
    if from_url is not None:
        found.append(from_url.value)
    return [value.date() if isinstance(value, datetime) else value for value in found]


# --- people -----------------------------------------------------------------------
def find_authors(
    doc: Document, zones: Zones, hits: dict[str, list[LabelHit]], body_texts: list[str]
) -> list[str]:
    """Reporters: the 作者 label, a byline line, the lead, or a trailing name (people, not media)."""
    for zone in ("head", "inner", "tail", "before"):
        for hit in hits[zone]:
            if hit.kind != "author" or zone == "before" and not _near_title(zones, hit.line_index):
                continue
            value = cut_value(BRACKETED_NOTE_RE.sub(" ", hit.value))
            if value.split(" ")[0] in UNKNOWN_PEOPLE:
                return []
            names = without_units(byline_authors(value))
            # 潮涌新闻见习记者 胡一凡 记者 韩雨亭: the whole byline line names more.
            line_names = byline_line_authors(doc.lines[hit.line_index].text)
            if set(names) < set(line_names):
                names = line_names
            names = without_media(names)
            if names:
                return names
    for position in zones.head + zones.inner:
        names = without_media(byline_line_authors(doc.lines[position].text))
        if names:
            return names
    for paragraph in body_texts[:LEAD_PARAGRAPHS]:
        names = without_media(lead_authors(paragraph))
        if names:
            return names
    # A reporter closing the text: in its last paragraph, or on a line of its own after it.
    closing = body_texts[-1:] + [doc.lines[n].text for n in zones.tail[:2]
                                 if re.fullmatch(r"[（(][^（()）]+[)）]", doc.lines[n].text)]
    for paragraph in closing:
        names = without_media(trailing_authors(paragraph))
        if names:
            return names
    return _slot_author(doc, zones)


def _near_title(zones: Zones, position: int) -> bool:
    return bool(zones.before) and zones.before[-1] - position < NEAR_TITLE_LINES


def _slot_author(doc: Document, zones: Zones) -> list[str]:
    """A writer's name in its own element beside the account's name (WeChat's author slot):
    only where the page names an account apart from it, which is then the source."""
    accounts = slot_texts(doc, zones.head, SOURCE_SLOT_HINT_RE)
    if not accounts:
        return []
    for text in slot_texts(doc, zones.head, AUTHOR_SLOT_HINT_RE):
        name = clean_name(text)
        if name and name not in accounts and not is_medium(name) and not has_label(text):
            return [name]
    return []


def find_editors(hits: dict[str, list[LabelHit]], last_line: str = "") -> list[str]:
    """责任编辑/责编 wherever shown; otherwise 编辑/选稿 (reviewers such as 审核 are not editors);
    otherwise an editor credit closing the last paragraph (``…完成。（编辑 张三）``)."""
    ordered = hits["inner"] + hits["tail"] + hits["head"] + hits["before"]
    for wanted in (PRIMARY_EDITOR_LABELS, ("编辑", "选稿")):
        for hit in ordered:
            if hit.kind == "editor" and hit.label in wanted:
                names = split_names(cut_value(hit.value))
                if names:
                    return names
    found = TRAILING_EDITOR_RE.search(last_line) if last_line else None
    return split_names(found.group("names")) if found else []


# --- channel ------------------------------------------------------------------------
def find_channel(doc: Document, limit: int, title: str | None) -> str | None:
    """The last breadcrumb step before the article (``首页 >> 乡村`` gives 乡村)."""
    for line in doc.lines[: limit if limit > 0 else len(doc.lines)]:
        found = BREADCRUMB_RE.search(line.text)
        if not found:
            continue
        # 首页 / 生活 / 美食: a slash after 首页 separates every step (elsewhere it may be part
        # of a channel's name, 手机/数码).
        splitter = SLASH_SPLIT_RE if found.group(0).strip().endswith("/") else BREADCRUMB_SPLIT_RE
        steps = [s.strip() for s in splitter.split(line.text[found.end() :]) if s.strip()]
        steps = [s for s in steps if s not in ("正文", "内容", "详情", "文章", "正文内容")]
        if title and steps and squash(steps[-1]) == squash(title):
            steps.pop()
        if steps:
            return steps[-1]
    return None
