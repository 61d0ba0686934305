"""Canonical article URLs: one key for every way the same page gets linked."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

from pipelines.errors import InvalidURL

# Query parameters that say how a reader arrived, not what they read.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "fbclid",
        "gclid",
        "dclid",
        "yclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "share_token",
        "scene",
        "srcid",
        "isappinstalled",
        "wfr",
        "_hsenc",
        "_hsmi",
        "ref_src",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# ASCII characters left as they are when they appear literally (RFC 3986 reserved + unreserved).
_LITERAL_OK = _UNRESERVED | frozenset("!$&'()*+,;=:@/?")
_ESCAPES = re.compile(r"((?:%[0-9A-Fa-f]{2})+)")


def _quote_char(char: str) -> str:
    return "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))


def _decode_escapes(run: str) -> str:
    """Percent-escapes to text: UTF-8 first, then GB18030; undecodable bytes stay escaped."""
    raw = bytes(int(run[i + 1 : i + 3], 16) for i in range(0, len(run), 3))
    if raw.isascii():
        return "".join(chr(b) if chr(b) in _UNRESERVED else f"%{b:02X}" for b in raw)
    decoded = _guess_text(raw)
    if decoded is None:
        return run.upper()
    # Reserved ASCII that was escaped must stay escaped (%2F is not /).
    return "".join(
        _quote_char(c) if not c.isascii() else (c if c in _UNRESERVED else f"%{ord(c):02X}")
        for c in decoded
    )


def _decode(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _guess_text(raw: bytes) -> str | None:
    """UTF-8 first, then GB18030 (GBK bytes that also form valid UTF-8 are read as UTF-8).

    Preferring GB18030 for "unlikely" UTF-8 would break idempotence: the UTF-8 spelling of é
    or 一 also decodes as GB18030 Chinese, so a key would change when canonicalised again.
    """
    utf8 = _decode(raw, "utf-8")
    return utf8 if utf8 is not None else _decode(raw, "gb18030")


def normalise_escapes(component: str, *, extra_escape: str = "") -> str:
    """Re-encode a URL component so that every spelling of the same text reads the same."""
    out: list[str] = []
    for index, part in enumerate(_ESCAPES.split(component)):
        if index % 2:
            out.append(_decode_escapes(part))
            continue
        for char in part:
            if char.isascii() and char in _LITERAL_OK and char not in extra_escape:
                out.append(char)
            elif char == "%":
                out.append("%25")
            else:
                out.append(_quote_char(char))
    return "".join(out)


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _query(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = normalise_escapes(key, extra_escape="&=")
        if _is_tracking(key):
            continue
        pairs.append((key, sep + normalise_escapes(value, extra_escape="&")))
    pairs.sort()
    return "&".join(k + v for k, v in pairs)


def _netloc(parts: SplitResult, scheme: str) -> str:
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"bad port in URL: {exc}") from exc
    netloc = normalise_escapes(host.rstrip("."))
    if ":" in host:
        netloc = f"[{netloc}]"
    if parts.username is not None:
        userinfo = normalise_escapes(parts.username)
        if parts.password is not None:
            userinfo += ":" + normalise_escapes(parts.password)
        netloc = f"{userinfo}@{netloc}"
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc += f":{port}"
    return netloc


def canonical_url(url: str) -> str:
    """The key under which an article is stored; raises only ``InvalidURL``."""
    if not isinstance(url, str):
        raise InvalidURL(f"not a URL string: {url!r}")
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidURL(f"cannot read URL {url[:200]!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    netloc = _netloc(parts, scheme) if parts.netloc else ""
    path = normalise_escapes(parts.path)
    if netloc and not path:
        path = "/"
    return urlunsplit((scheme, netloc, path, _query(parts.query), ""))
