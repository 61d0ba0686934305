"""Packages have a direction: archive knows warcio only, the parser knows no Scrapy or SQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("archive", {"scrapy", "twisted", "sqlalchemy", "alembic", "crawler", "pipelines"}),
        ("crawler/parser", {"scrapy", "twisted", "sqlalchemy", "alembic", "pipelines", "archive"}),
        ("pipelines", {"scrapy", "twisted", "crawler", "archive"}),
    ],
)
def test_import_direction(package, forbidden):
    for module, names in imported_modules(ROOT / package).items():
        assert not names & forbidden, f"{module} imports {sorted(names & forbidden)}"
