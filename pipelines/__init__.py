"""Storage: models, migrations, normalising and storing records, querying and exporting them."""

from __future__ import annotations

from pipelines.api import Archive

__all__ = ["Archive"]
