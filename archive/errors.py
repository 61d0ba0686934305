"""The one exception the archive package raises: a WARC that cannot be written or read."""

from __future__ import annotations


class ArchiveError(Exception):
    """A WARC file could not be written, recovered or read; the message names file and offset."""
