"""What to fetch: seen set, links, listings, sitemaps, incremental policy, Redis scheduler, job dir."""

from __future__ import annotations


def __getattr__(name: str) -> object:
    """Until the next release, the names of the old module ``crawler.frontier`` (with a warning)."""
    from crawler._moved import frontier_name

    return frontier_name(name)
