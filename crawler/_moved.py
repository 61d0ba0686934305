"""The old import paths of the modules that moved into folders: they work for one release, and warn.

``crawler.warc_capture.WarcCapture`` in a user's settings, or ``import crawler.lock``, still
finds the module, now ``crawler.extensions.warc_capture`` or ``crawler.jobs.lock`` (the same
module object, not a copy), and emits a DeprecationWarning naming the new path. The old
module ``crawler.frontier`` is the package of that name now: its names resolve from
``crawler.frontier.seen``, through the package's ``__getattr__``. Nothing in the project
uses an old path. In the next release: delete this module and the lines that call it in
``crawler/__init__.py`` and ``crawler/frontier/__init__.py``.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

MOVED = {
    "crawler.encoded_body": "crawler.downloadermiddlewares.encoded_body",
    "crawler.fetch_log": "crawler.downloadermiddlewares.fetch_log",
    "crawler.incomplete": "crawler.downloadermiddlewares.incomplete",
    "crawler.redirect_policy": "crawler.downloadermiddlewares.redirect_policy",
    "crawler.retry_after": "crawler.downloadermiddlewares.retry_after",
    "crawler.session": "crawler.extensions.session",
    "crawler.warc_capture": "crawler.extensions.warc_capture",
    "crawler.incremental": "crawler.frontier.incremental",
    "crawler.jobdir": "crawler.frontier.jobdir",
    "crawler.links": "crawler.frontier.links",
    "crawler.listings": "crawler.frontier.listings",
    "crawler.redis_scheduler": "crawler.frontier.redis_scheduler",
    "crawler.sitemaps": "crawler.frontier.sitemaps",
    "crawler.children": "crawler.workers.children",
    "crawler.page_analysis": "crawler.workers.page_analysis",
    "crawler.store_writer": "crawler.workers.store_writer",
    "crawler.lock": "crawler.jobs.lock",
    "crawler.reparse": "crawler.jobs.reparse",
    "crawler.resume": "crawler.jobs.resume",
    "crawler.runner": "crawler.jobs.runner",
    "crawler.runs": "crawler.jobs.runs",
    "crawler.schedule": "crawler.jobs.schedule",
}

# The public names of the old module crawler.frontier, now in crawler.frontier.seen.
FRONTIER_NAMES = frozenset({
    "DUPES_FILE", "KNOWN_KEYS_MAX", "SEEN_FILE", "DiskDupeFilter", "KnownFirstSeenSet",
    "RedisSeenSet", "SeenSet", "SqliteSeenSet", "open_seen_set", "url_key",
})


def _warn(old: str, new: str, stacklevel: int) -> None:
    # stacklevel points at the code that used the old path (import machinery frames skipped).
    warnings.warn(f"{old} has moved to {new}; the old path goes in the next release",
                  DeprecationWarning, stacklevel=stacklevel + 1)


class MovedModules:
    """A finder (last on ``sys.meta_path``) that answers an old module path with its new module."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        # A loader by duck typing: importing importlib.abc would slow every worker's start.
        return ModuleSpec(fullname, cast("Loader", self)) if fullname in MOVED else None

    def create_module(self, spec: ModuleSpec) -> None:
        return None  # the default module, replaced in exec_module

    def exec_module(self, module: ModuleType) -> None:
        old = module.__name__
        _warn(old, MOVED[old], stacklevel=2)
        # The import system returns what sys.modules holds once this returns: the new module.
        sys.modules[old] = importlib.import_module(MOVED[old])


def install() -> None:
    """Put the finder last on ``sys.meta_path`` (once): only paths no file answers reach it."""
    if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
        sys.meta_path.append(MovedModules())


def frontier_name(name: str) -> object:
    """``crawler.frontier.<name>`` of the old module: the name in crawler.frontier.seen."""
    if name not in FRONTIER_NAMES:
        raise AttributeError(f"module 'crawler.frontier' has no attribute {name!r}")
    _warn(f"crawler.frontier.{name}", f"crawler.frontier.seen.{name}", stacklevel=3)
    return getattr(importlib.import_module("crawler.frontier.seen"), name)
