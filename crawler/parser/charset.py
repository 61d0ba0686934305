"""Decide a page's charset the same way live and offline: header, BOM, <meta>, detection."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping

logger = logging.getLogger(__name__)

# Legacy Chinese labels are decoded as their superset: pages labelled gb2312
# routinely hold GBK/GB18030-only characters.
CHARSET_UPGRADES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# Covers <meta charset=...>, <meta http-equiv content="...; charset=...">, and
# the malformed ``httpequiv`` spelling: any charset= inside a <meta> tag.
META_CHARSET_RE = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
META_SCAN_BYTES = 8192


def normalise_charset(label: str | None) -> str | None:
    """The Python codec name for a declared label (with gb2312/gbk upgraded), or None."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = CHARSET_UPGRADES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return CHARSET_UPGRADES.get(codec, codec)


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """The charset of a Content-Type header (key matched case-insensitively)."""
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == "content-type" and value:
            found = HEADER_CHARSET_RE.search(str(value))
            return normalise_charset(found.group(1)) if found else None
    return None


def bom_charset(body: bytes) -> str | None:
    """The charset named by a byte-order mark, if any."""
    for bom, name in BOMS:
        if body.startswith(bom):
            return name
    return None


def meta_charset(body: bytes) -> str | None:
    """The charset declared in a <meta> tag near the top of the page."""
    found = META_CHARSET_RE.search(body[:META_SCAN_BYTES])
    if not found:
        return None
    return normalise_charset(found.group(1).decode("ascii", "ignore"))


def _is_multibyte_utf8(body: bytes) -> bool:
    """True when the bytes hold non-ASCII text and are valid UTF-8 throughout."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_charset(body: bytes) -> str:
    """Guess the charset of undeclared bytes (UTF-8 first, then charset-normalizer)."""
    if body.isascii() or _is_multibyte_utf8(body):
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    guessed = normalise_charset(best.encoding) if best is not None else None
    return guessed or "gb18030"


def choose_charset(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """The codec to decode ``body`` with: header, BOM, meta, then detection."""
    bom = bom_charset(body)
    if bom:
        return bom
    declared = header_charset(headers) or meta_charset(body)
    if declared:
        # A declaration that says a legacy charset over valid multi-byte UTF-8
        # lies (re-saved pages keep their old meta): random GBK text is almost
        # never valid UTF-8, so the bytes win.
        if declared not in ("utf-8", "utf-16", "utf-32") and _is_multibyte_utf8(body):
            logger.debug("declared %s but bytes are UTF-8", declared)
            return "utf-8"
        return declared
    return detect_charset(body)


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Decode a page's bytes; returns ``(text, charset used)`` and never raises."""
    charset = choose_charset(body, headers)
    if charset == "utf-8" and body.startswith(codecs.BOM_UTF8):
        charset = "utf-8-sig"
    try:
        text = body.decode(charset, errors="replace")
    except LookupError:
        charset = "utf-8"
        text = body.decode(charset, errors="replace")
    return text, "utf-8" if charset == "utf-8-sig" else charset
