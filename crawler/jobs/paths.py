"""Where one invocation keeps its data: the data folder, the database URL, WARC and log folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """Where one invocation keeps its data."""

    data_dir: Path
    db_url: str

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "warc"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


def resolve_paths(data_dir: str | None, db: str | None) -> Paths:
    """Apply the defaults of DESIGN.md: ./data, sqlite:///DATA_DIR/articles.db."""
    base = Path(data_dir or os.environ.get("CHINAREPORT_DATA_DIR") or "data")
    url = db or os.environ.get("CHINAREPORT_DB") or f"sqlite:///{base / 'articles.db'}"
    return Paths(data_dir=base, db_url=url)
