"""A Scrapy component with a bug, for the tests of what the console shows when code fails.

Loaded into a real `chinareport crawl` subprocess with
``-s ITEM_PIPELINES={"buggy_components.FailingPipeline": 100}`` and ``PYTHONPATH=tests``.
"""

from __future__ import annotations


class FailingPipeline:
    """An item pipeline that raises on every item, as a bug would."""

    def process_item(self, item: object) -> object:
        raise ValueError("a bug in an item pipeline")
