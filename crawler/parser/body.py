"""The article text: the main block found by text density, with boilerplate lines dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from .dates import find_dates
from .labels import has_label, label_text
from .patterns import (
    BOILERPLATE_LINE_RES,
    CAPTION_HINT_RE,
    COMMENT_HINT_RE,
    END_MATTER_RE,
    PROMO_HINT_RE,
    PROSE_PUNCT_RE,
    SENTENCE_END,
    SHORT_BOILERPLATE_CHARS,
    SHORT_BOILERPLATE_RE,
    STATEMENT_RE,
    SUMMARY_HINT_RE,
    SUMMARY_RE,
    TRAILING_CREDIT_RE,
)

# The editor's credit, which closes a Chinese news article.
EDITOR_CREDIT_RE = re.compile(r"^[（(\[【]?\s*(?:责任编辑|责编)\s*[:：]")
# A line wholly in brackets: a credit or a note (（总台央视记者 奚丹霓 张赛）), not text.
BRACKETED_LINE_RE = re.compile(r"[（(][^（()）]*[)）]")
from .tree import Line, class_and_id

MAX_ANCESTORS = 80
OTHER_TEXT_PENALTY = 1.0
MIN_PROSE_CHARS = 12
MAX_CAPTION_CHARS = 80
LEADING_MIN_CHARS = 8
MAX_SUBHEAD_CHARS = 30
HEADING_SUBHEAD_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
EMPHASIS_TAGS = frozenset({"strong", "b"})
LIST_ITEM_TAGS = frozenset({"li", "dd", "dt"})
CODE_TAGS = frozenset({"pre", "code"})
# A line that ends mid-sentence (下周一，) goes on in the next one: text, never a caption.
CLAUSE_END = "，、；：,;:"
MAX_SHORT_LINE_CHARS = 80
MIN_REPEATED_LEAD_CHARS = 20
MAX_DATELINE_CHARS = 60
DATELINE_RE = re.compile(r"(?:19|20)\d\d")
PICTURE_BOX_TAGS = frozenset({"div", "figure"})
MAX_STANDALONE_NOTE_CHARS = 60
RUN_END = "。！？!?…”」』"


@dataclass
class Body:
    """The body's kept lines, the lines dropped from inside it, and its images."""

    container: etree._Element | None = None
    lines: list[Line] = field(default_factory=list)
    dropped: list[Line] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.lines[0].index if self.lines else -1

    @property
    def end(self) -> int:
        return self.lines[-1].index if self.lines else -1

    @property
    def prose_chars(self) -> int:
        return sum(len(text) for text in self.texts)


def is_prose(line: Line) -> bool:
    """A line that reads like article text: long enough, punctuated, not mostly links."""
    own = line.length - line.link_chars
    if own < MIN_PROSE_CHARS or line.link_ratio >= 0.3 or not PROSE_PUNCT_RE.search(line.text):
        return False
    # A dateline (更新时间 2012年12月10日, 格林尼治标准时间10:41) is punctuated, but no prose.
    return not (line.length <= MAX_DATELINE_CHARS and DATELINE_RE.search(line.text)
                and sum(d.end - d.start for d in find_dates(line.text)) * 2 > line.length)


def _ancestors(element: etree._Element) -> list[etree._Element]:
    chain: list[etree._Element] = []
    current: etree._Element | None = element
    while current is not None and len(chain) < MAX_ANCESTORS:
        chain.append(current)
        current = current.getparent()
    return chain


def comment_blocks(root: etree._Element | None) -> set[etree._Element]:
    """Comment sections of a page (class or id words such as comment, pinglun, reply)."""
    if root is None:
        return set()
    # The blocks that hold a comment section (not <body>, whose page-wide classes such as
    # comment_feature say nothing of its text).
    return {
        element for element in root.iter("div", "section", "ul", "ol", "dl", "aside")
        if COMMENT_HINT_RE.search(class_and_id(element))
    }


def choose_container(lines: list[Line],
                     comments: set[etree._Element] | None = None) -> etree._Element | None:
    """The element whose text is most prose and least everything else."""
    scores: dict[etree._Element, float] = {}
    for line in lines:
        if line.image is not None:
            continue
        ancestors = _ancestors(line.owner)
        if line.tag in CODE_TAGS:
            weight = 0.0  # a program listing in a technical article: neither prose nor chrome
        elif is_prose(line):
            # Teasers in lists of other articles, comments and statements read like prose
            # but are not the article.
            weight = float(line.length - line.link_chars)
            if (line.tag in LIST_ITEM_TAGS or STATEMENT_RE.match(line.text)
                    or comments and not comments.isdisjoint(ancestors)):
                weight = 0.0
        else:
            weight = -OTHER_TEXT_PENALTY * line.length
        for element in ancestors:
            scores[element] = scores.get(element, 0.0) + weight
    if not scores:
        return None
    best = max(scores.items(), key=lambda item: item[1])
    return best[0] if best[1] > 0 else None


def _inside(line: Line, container: etree._Element) -> bool:
    current: etree._Element | None = line.owner
    for _ in range(MAX_ANCESTORS):
        if current is None:
            return False
        if current is container:
            return True
        current = current.getparent()
    return False


def is_boilerplate(text: str) -> bool:
    """Editor, credit, 原标题, share, related-links and copyright lines."""
    if len(text) <= SHORT_BOILERPLATE_CHARS and SHORT_BOILERPLATE_RE.search(text):
        return True
    text = label_text(text)
    return any(pattern.search(text) for pattern in BOILERPLATE_LINE_RES)


def _is_metadata_line(line: Line) -> bool:
    return line.length < 80 and has_label(line.text) and not is_prose_sentence(line.text)


def is_prose_sentence(text: str) -> bool:
    """Text that ends like a sentence."""
    return bool(text) and text[-1] in SENTENCE_END and len(text) >= LEADING_MIN_CHARS


def _promo_blocks(container: etree._Element) -> set[etree._Element]:
    """QR-code, follow-us and share boxes, and summary boxes, nested in the article's container."""
    return {
        element for element in container.xpath(".//*[@class or @id]")
        if PROMO_HINT_RE.search(hints := class_and_id(element)) or SUMMARY_HINT_RE.search(hints)
    }


def _without_summary(kept: list[Line], dropped: list[Line]) -> list[Line]:
    """The text without a summary set before it: 核心提示/【摘要】/导语 lines, or a lead that the
    text repeats further down."""
    for number, line in enumerate(kept[:3]):
        if (label := SUMMARY_RE.match(line.text)) is not None:
            cut = number + 1
            if len(label.group(0)) == line.length and cut < len(kept):
                cut += 1  # the label on a line of its own, the summary on the next
            dropped.extend(kept[:cut])
            return kept[cut:]
    first = next((n for n, line in enumerate(kept[:3]) if is_prose(line)), None)
    if first is not None and len(kept) > first + 2 and kept[first].length >= MIN_REPEATED_LEAD_CHARS:
        lead = kept[first].text[:MIN_REPEATED_LEAD_CHARS]
        if any(line.text.startswith(lead) for line in kept[first + 1 :]):
            dropped.extend(kept[: first + 1])
            return kept[first + 1 :]
    return kept


def _in_any(line: Line, blocks: set[etree._Element], container: etree._Element) -> bool:
    current: etree._Element | None = line.owner
    while current is not None and current is not container:
        if current in blocks:
            return True
        current = current.getparent()
    return False


def _caption_slot(box: etree._Element) -> etree._Element | None:
    """A picture box's own caption element (``<div class="pgc-img"><img><p class="…caption">``)."""
    if str(box.tag) not in PICTURE_BOX_TAGS:
        return None
    for element in box.iterdescendants():
        if element.tag == "figcaption" or CAPTION_HINT_RE.search(class_and_id(element)):
            return element
    return None


def _is_caption(line: Line, after_image: bool) -> bool:
    if line.length > MAX_CAPTION_CHARS:
        return False
    hinted = any(
        CAPTION_HINT_RE.search(class_and_id(element))
        for element in (line.owner, line.owner.getparent())
        if element is not None
    ) or line.owner.tag == "figcaption"
    if hinted:
        return True
    if line.text[-1:] in CLAUSE_END:
        return False
    return after_image and (line.centered or not is_prose_sentence(line.text))


def _is_subhead(line: Line, neighbour: Line | None) -> bool:
    # A subheading opening or closing a page's text (multi-page articles split
    # anywhere) is a sibling of the paragraphs and emphasised; captions,
    # player widgets and bylines are not.
    if neighbour is None or line.centered or line.length > MAX_SUBHEAD_CHARS:
        return False
    if line.owner.getparent() is not neighbour.owner.getparent():
        return False
    if line.tag in HEADING_SUBHEAD_TAGS:
        return True
    children = list(line.owner)
    return (
        line.tag == "p"
        and len(children) == 1
        and str(children[0].tag) in EMPHASIS_TAGS
        and not (line.owner.text or "").strip()
    )


def _siblings(line: Line, other: Line) -> bool:
    return line.tag == other.tag and line.owner.getparent() is other.owner.getparent() and not line.centered


def extract_body(
    lines: list[Line], url: str, title_index: int = -1, container: etree._Element | None = None,
    comments: set[etree._Element] | None = None,
) -> Body:
    """Find the article's text block (or use ``container``) and clean it into paragraphs and images."""
    if container is None:
        container = choose_container(lines, comments)
    body = Body(container)
    if container is None:
        return body
    inside = [line for line in lines if line.index > title_index and _inside(line, container)]
    kept: list[Line] = []
    previous_image: dict[str, str | None] | None = None
    # (Comment blocks outside the container are never met: the walk up stops at it.)
    promo = _promo_blocks(container) | (comments or set())
    prose_seen = 0
    for line in inside:
        if prose_seen and EDITOR_CREDIT_RE.match(label_text(line.text)):
            # The editor's credit closes the article: what follows in the block is other stories.
            body.dropped.append(line)
            break
        if line.image is not None:
            src = line.image.get("src") or ""
            if src and not src.startswith("data:"):
                previous_image = {"src": urljoin(url, src), "caption": None}
                body.images.append(previous_image)
                if (slot := _caption_slot(line.owner)) is not None:
                    # The picture's box has a caption element of its own: the text after the
                    # box is the article's, not the picture's caption.
                    previous_image["caption"] = " ".join("".join(slot.itertext()).split()) or None
                    previous_image = None
            continue
        if previous_image is not None and _is_caption(line, True):
            previous_image["caption"] = line.text
            previous_image = None
            body.dropped.append(line)
            continue
        previous_image = None
        if (line.link_ratio > 0.5 or is_boilerplate(line.text) or _is_metadata_line(line)
                or promo and _in_any(line, promo, container)):
            body.dropped.append(line)
            continue
        if _is_caption(line, False):
            body.dropped.append(line)
            continue
        kept.append(line)
        prose_seen += is_prose(line)
    kept = _without_summary(kept, body.dropped)
    # Leading and trailing lines that are not prose (pre-titles, player text,
    # bylines, "(完)") belong to the page, not the article.
    first_prose = next((n for n, line in enumerate(kept) if is_prose(line)), len(kept))
    after = kept[first_prose] if first_prose < len(kept) else None
    leading = [line for line in kept[:first_prose] if _is_subhead(line, after)]
    # Short lines that run on into the text (下周一，/ 京沪高速施工就将…): the text's first lines.
    run_on = first_prose
    while (run_on > 0 and after is not None and kept[run_on - 1].text[-1:] in CLAUSE_END + SENTENCE_END
           and _siblings(kept[run_on - 1], after)):
        run_on -= 1
    leading = [line for line in leading if line.index < kept[run_on].index] if run_on < first_prose else leading
    leading += kept[run_on:first_prose]
    body.dropped.extend(line for line in kept[:first_prose] if line not in leading)
    kept = leading + kept[first_prose:]
    # References and notes after the text are the article's apparatus, not its body.
    end_matter = next((n for n, line in enumerate(kept)
                       if n > 0 and (END_MATTER_RE.match(line.text) or STATEMENT_RE.match(line.text))),
                      None)
    if end_matter is not None:
        body.dropped.extend(kept[end_matter:])
        kept = kept[:end_matter]
    last_prose = max((n for n, line in enumerate(kept) if is_prose(line)), default=-1)
    before = kept[last_prose] if last_prose >= 0 else None
    for line in kept[last_prose + 1 :]:
        if is_prose_sentence(line.text) or _is_subhead(line, before):
            last_prose += 1  # keep it and everything before it
            continue
        break
    # Short lines, one phrase a paragraph, that end the text in a sentence (…愿大家都能 / 平安出行，
    # 安全到家。): kept up to the sentence's end.
    for number in range(last_prose + 1, len(kept)):
        line = kept[number]
        if (before is None or not _siblings(line, before) or line.length > MAX_SHORT_LINE_CHARS
                or has_label(line.text)):
            break
        if line.text[-1:] in RUN_END:
            last_prose = number
    # A credit or note standing alone after the text, wholly in brackets, is not the text.
    while (last_prose > 0 and kept[last_prose].length <= MAX_STANDALONE_NOTE_CHARS
           and BRACKETED_LINE_RE.fullmatch(kept[last_prose].text)):
        last_prose -= 1
    body.dropped.extend(kept[last_prose + 1 :])
    kept = kept[: last_prose + 1]
    body.lines = kept
    body.texts = [TRAILING_CREDIT_RE.sub("", line.text) for line in kept]
    body.texts = [text for text in body.texts if text]
    return body
