"""Text from archived pages on the terminal: plain text, never markup, never a control character.

Page text is data. Rich reads ``[bold]`` in a string as markup (and raises on ``[/]``), and a
terminal obeys escape sequences (colours, cursor moves, OSC 8 links, the window title) and
reorders text at the bidirectional overrides. The parser drops these characters since 2.2.0,
but a database filled by an older one still holds them, so every command that prints stored
text passes it through here, at render time.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 and C1 controls, DEL, the bidirectional embeddings, overrides and isolates, and the
# Unicode line and paragraph separators (a row of a table is one line).
_BREAKS = re.compile("[\t\n\r\u2028\u2029]+")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line(value: object, limit: int | None = None) -> str:
    """``value`` as one line of plain text: breaks become spaces, control characters go."""
    text = "" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return _UNSAFE.sub("", _BREAKS.sub(" ", text))


def cell(value: object, limit: int | None = 300) -> Text:
    """A table cell for ``value``: a rich Text, so brackets in it are never read as markup."""
    return Text(one_line(value, limit))


# What json.dumps(ensure_ascii=False) leaves raw: it escapes C0 controls only.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def terminal_json(text: str) -> str:
    """JSON text with DEL, C1 and bidi controls written as ``\\uXXXX``: the same data, inert."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
