"""What a request can get wrong, as HTTP answers: a bad parameter (400), nothing there (404)."""

from __future__ import annotations


class WebError(Exception):
    """An error answered with ``status`` and a one-line ``message``."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadParameter(WebError):
    """A query parameter that cannot be used; ``name`` says which."""

    status = 400

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


class NotFound(WebError):
    """No such article, record or page."""

    status = 404
