"""The log handler a command puts on standard error, which a crawl swaps for Scrapy's own."""

from __future__ import annotations

import logging

HANDLER_NAME = "chinareport-cli"


def install_console_log() -> None:
    """Show warnings and errors of every logger on standard error, one line each."""
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.set_name(HANDLER_NAME)
    logging.getLogger().addHandler(handler)


def remove_console_log() -> None:
    """Take the handler off again: Scrapy installs its own, at the crawl's LOG_LEVEL."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
