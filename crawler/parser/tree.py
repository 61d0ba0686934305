"""Read an HTML document the way it is shown: visible lines of text in page order."""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field

from lxml import etree

from .errors import ParseError
from .patterns import (
    BLOCK_TAGS,
    CENTERED_STYLE_RE,
    HIDDEN_STYLE_RE,
    INVISIBLE_STYLE_RE,
    SKIP_TAGS,
)

logger = logging.getLogger(__name__)

WHITESPACE_RE = re.compile(r"\s+")
MAX_DEPTH = 400
MAX_ROW_CHARS = 200  # text and white space of a metadata row
PROSE_MARK_RE = re.compile(r"[，。！？；]")


@dataclass
class Line:
    """One visible line: the text of a block (or an image), with the block that holds it."""

    index: int
    text: str
    owner: etree._Element
    link_chars: int = 0
    tag: str = ""
    centered: bool = False
    image: dict[str, str | None] | None = None

    @property
    def length(self) -> int:
        return len(self.text)

    @property
    def link_ratio(self) -> float:
        return self.link_chars / self.length if self.length else 0.0


@dataclass
class Document:
    """A parsed page: its tree, its visible lines, and what its <head> declares."""

    root: etree._Element | None
    lines: list[Line] = field(default_factory=list)
    head_title: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    json_ld: list[dict[str, object]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    script_timestamp: int | None = None  # a publish time a script holds (WeChat's var ct)


def build_tree(text: str) -> etree._Element | None:
    """An lxml tree for decoded HTML text, or None when there is nothing to parse."""
    if not text or not text.strip():
        return None
    parser = etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, recover=True, no_network=True
    )
    try:
        # (a NUL in a page is no character: lxml would make it U+FFFD)
        return etree.fromstring(text.replace("\x00", "").encode("utf-8", "replace"), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"unreadable HTML: {exc}") from exc


def is_hidden(element: etree._Element) -> bool:
    """True for elements a browser does not show (inline display:none, hidden attribute)."""
    style = element.get("style")
    if style and (
        HIDDEN_STYLE_RE.search(style)
        or INVISIBLE_STYLE_RE.search(style) and str(element.tag) not in BLOCK_TAGS
    ):
        return True
    return element.get("hidden") is not None or element.get("aria-hidden") == "true"


def visible_text(element: etree._Element) -> str:
    """An element's text as shown: hidden and non-text descendants left out, white space collapsed."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        parts.append(node.text or "")
        for child in node:
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag and tag not in SKIP_TAGS and not is_hidden(child):
                walk(child)
            parts.append(child.tail or "")

    walk(element)
    return " ".join("".join(parts).split())


def class_and_id(element: etree._Element) -> str:
    """An element's class and id attributes as one string, for matching hint words."""
    return (element.get("class") or "") + " " + (element.get("id") or "")


def _centered(element: etree._Element) -> bool:
    if (element.get("align") or "").lower() == "center" or element.tag == "center":
        return True
    style = element.get("style")
    return bool(style and CENTERED_STYLE_RE.search(style))


_JS_VAR_RE = re.compile(r"""\bvar\s+([A-Za-z_$][\w$]*)\s*=\s*(["'])((?:\\.|(?!\2).)*)\2""")
_JS_TERM = r"""(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[A-Za-z_$][\w$]*)"""
_JS_WRITE_RE = re.compile(
    r"document\.write(?:ln)?\s*\(\s*(" + _JS_TERM + r"(?:\s*\+\s*" + _JS_TERM + r")*)\s*\)"
)
_JS_TERM_RE = re.compile(r"""(["'])((?:\\.|(?!\1).)*)\1|([A-Za-z_$][\w$]*)""")
_TAG_RE = re.compile(r"<[^>]*>")
_MAY_HOLD_TIMESTAMP_RE = re.compile(r"var ct|ublish|pubtime|ptime")
# A publication time a script prints (WeChat's ``var ct = "1709605200"``): seconds since 1970.
SCRIPT_TIMESTAMP_RE = re.compile(
    r"""(?:\bvar\s+ct|\b(?:publish_?time|pubtime|ptime)["']?)\s*[:=]\s*["']?(1\d{9})\b"""
)


def script_writes(code: str) -> str:
    """The text an inline script prints with ``document.write`` of strings and variables.

    Government CMSs (大汉 Hanweb and others) print 来源/作者/责任编辑 this way:
    ``var str_ly = "松岭日报"; document.write("来源：" + str_ly);``. Only string literals,
    variables set to literals and ``+`` are understood; anything else prints nothing.
    """
    if "document.write" not in code:
        return ""
    names = {m.group(1): m.group(3) for m in _JS_VAR_RE.finditer(code)}
    printed = []
    for call in _JS_WRITE_RE.finditer(code):
        parts = []
        for term in _JS_TERM_RE.finditer(call.group(1)):
            parts.append(term.group(2) if term.group(1) else names.get(term.group(3), ""))
        printed.append("".join(parts).replace("\\", ""))
    return html.unescape(_TAG_RE.sub(" ", " ".join(printed)))


def _normalise(text: str) -> str:
    return WHITESPACE_RE.sub(" ", text).strip()


def _is_row(element: etree._Element, rows: dict[etree._Element, bool]) -> bool:
    """Whether ``element``'s parent is a short row of inline items with no text between them."""
    parent = element.getparent()
    if parent is None:
        return False
    if parent not in rows:
        children = [child for child in parent if isinstance(child.tag, str)]
        rows[parent] = (
            len(children) >= 2
            and not (parent.text or "").strip()
            and all(str(child.tag).lower() not in BLOCK_TAGS and not (child.tail or "").strip()
                    for child in children)
            and sum(len(text) for text in parent.itertext()) <= MAX_ROW_CHARS
            # (a paragraph written in styled spans is prose, not a row of items)
            and not any(PROSE_MARK_RE.search(text) for text in parent.itertext())
            and any(char.isdigit() for text in parent.itertext() for char in text)  # a date, a count
        )
    return rows[parent]


def read_lines(root: etree._Element) -> list[Line]:
    """The visible lines of a tree, in page order; hidden and non-text elements skipped."""
    lines: list[Line] = []
    pieces: list[str] = []
    link_chars = 0
    blocks: list[etree._Element] = [root]
    line_owner: etree._Element | None = None
    link_depth = 0
    skipped: set[etree._Element] = set()

    def add(text: str | None) -> None:
        nonlocal link_chars, line_owner
        if not text:
            return
        if line_owner is None:
            if not text.strip():
                return
            line_owner = blocks[-1]
        pieces.append(text)
        if link_depth:
            link_chars += len(text.strip())

    def flush() -> None:
        nonlocal link_chars, line_owner
        if pieces:
            text = _normalise("".join(pieces))
            if text and line_owner is not None:
                lines.append(
                    Line(
                        len(lines),
                        text,
                        line_owner,
                        min(link_chars, len(text)),
                        str(line_owner.tag),
                        _centered(line_owner),
                    )
                )
        pieces.clear()
        link_chars = 0
        line_owner = None

    # Classed inline elements side by side with nothing between them (minified metadata rows:
    # <span class="src">…</span><span class="author">…</span>) are apart on screen: a space. So
    # are the items of a short row made only of inline elements (<em>date</em><em>source</em>).
    gap = classed = False
    rows: dict[etree._Element, bool] = {}
    walker = etree.iterwalk(root, events=("start", "end"))
    depth = 0
    for event, element in walker:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            depth += 1
            if not tag or tag in SKIP_TAGS or is_hidden(element) or depth > MAX_DEPTH:
                if tag == "script" and element.text:
                    add(script_writes(element.text))
                skipped.add(element)
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
                blocks.append(element)
            elif tag == "a":
                link_depth += 1
            elif tag == "img":
                flush()
                # Lazy-loaded images keep the real address in data-*, a placeholder in src.
                src = element.get("data-original") or element.get("data-src") or element.get("src")
                if src:
                    lines.append(
                        Line(len(lines), "", blocks[-1], tag="img", centered=_centered(blocks[-1]),
                             image={"src": src.strip(), "alt": (element.get("alt") or "").strip()})
                    )
            if gap and pieces and tag not in BLOCK_TAGS and (
                    classed and element.get("class") or _is_row(element, rows)):
                pieces.append(" ")
            gap = classed = False
            add(element.text)
            continue
        depth -= 1
        if element in skipped:
            skipped.discard(element)
        elif tag in BLOCK_TAGS:
            flush()
            if len(blocks) > 1:
                blocks.pop()
        elif tag == "a":
            link_depth -= 1
        gap = tag not in BLOCK_TAGS and not element.tail
        classed = gap and bool(element.get("class"))
        add(element.tail)
    flush()
    return lines


def _head(root: etree._Element, doc: Document) -> None:
    title = root.find(".//title")
    if title is not None:
        doc.head_title = _normalise(title.text or "")
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key and content and key not in doc.meta:
            doc.meta[key] = _normalise(content)
    for script in root.iter("script"):
        code = script.text or ""
        stamp = SCRIPT_TIMESTAMP_RE.search(code) if _MAY_HOLD_TIMESTAMP_RE.search(code) else None
        if stamp and doc.script_timestamp is None:
            doc.script_timestamp = int(stamp.group(1))
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            try:
                data = json.loads(script.text)
            except ValueError:
                logger.debug("unreadable JSON-LD block")
                continue
            items = data if isinstance(data, list) else [data]
            doc.json_ld.extend(item for item in items if isinstance(item, dict))
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if href:
            doc.links.append((href.strip(), _normalise("".join(anchor.itertext()))))


def slot_texts(doc: Document, positions: list[int], hint: re.Pattern[str],
               max_chars: int = 20) -> list[str]:
    """Short texts of the elements whose class or id carries ``hint``, on the given lines."""
    found: list[str] = []
    owners: list[etree._Element] = []
    for position in positions:
        owner = doc.lines[position].owner
        if doc.lines[position].image is None and owner not in owners:
            owners.append(owner)
    for owner in owners:
        for element in owner.iter():
            if not isinstance(element.tag, str) or not hint.search(class_and_id(element)):
                continue
            if any(is_hidden(e) for e in element.iterancestors() if e is not owner) or is_hidden(element):
                continue
            text = visible_text(element)
            if 2 <= len(text) <= max_chars and not re.search(r"[:：，。！？]", text):
                found.append(text)
    return found


def read_document(text: str) -> Document:
    """Parse decoded HTML into a Document; an empty page gives an empty Document."""
    root = build_tree(text)
    if root is None:
        return Document(None)
    doc = Document(root, read_lines(root))
    _head(root, doc)
    return doc
