"""The storage package's errors: everything the database side raises on purpose."""

from __future__ import annotations


class StoreError(Exception):
    """A database, query or export problem, worded for a one-line CLI message."""


class InvalidURL(StoreError):
    """A string that cannot be read as a URL (raised only by ``canonical_url``)."""
