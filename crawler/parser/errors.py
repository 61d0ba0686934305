"""The parser's one exception type; ``parse_page`` itself never raises it to callers."""

from __future__ import annotations


class ParseError(Exception):
    """A page could not be read; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
