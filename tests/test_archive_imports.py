"""The archive package knows warcio only: importing all of it pulls in neither Scrapy nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_archive_imports_no_scrapy_or_sqlalchemy() -> None:
    modules = sorted(p.stem for p in (ROOT / "archive").glob("*.py") if p.stem != "__init__")
    assert {"writer", "reader", "recovery", "index", "errors"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module('archive.' + name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'sqlalchemy', 'twisted'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
