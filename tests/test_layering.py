"""Packages have a direction: archive knows warcio only, the parser knows no Scrapy or SQL.

Inside ``crawler/`` imports run from the faces down: nothing but the CLI imports the CLI (or the
web face, which reads through ``pipelines`` and ``archive`` only),
the parser imports none of the rest, and the crawl's components (downloader middlewares,
extensions, frontier) do not import the layer that runs crawls (``jobs/``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = {"starlette", "jinja2", "uvicorn", "crawler.web"}  # the web face's own dependencies
CRAWLER = ROOT / "crawler"


def imported_modules(package: Path) -> dict[str, set[str]]:
    """What each file under ``package`` imports, by full dotted path (relative ones resolved).

    ``from a.b import c`` records both ``a.b`` and ``a.b.c``: ``c`` may be a module.
    """
    found: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        here = path.parent.relative_to(ROOT).parts
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else ()
                module = ".".join([*base, *([node.module] if node.module else [])])
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def forbidden_imports(names: set[str], forbidden: set[str]) -> list[str]:
    """The names that are, or lie inside, one of the ``forbidden`` modules or packages."""
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("archive", {"scrapy", "twisted", "sqlalchemy", "alembic", "crawler", "pipelines", *WEB}),
        ("crawler/parser", {"scrapy", "twisted", "sqlalchemy", "alembic", "pipelines", "archive"}),
        ("pipelines", {"scrapy", "twisted", "crawler", "archive", *WEB}),
        # The crawl's components never reach up to the layer that runs crawls, or the CLI.
        ("crawler/downloadermiddlewares", {"crawler.jobs", "crawler.cli"}),
        ("crawler/extensions", {"crawler.jobs", "crawler.cli"}),
        ("crawler/frontier", {"crawler.jobs", "crawler.cli"}),
        # The web face reads through pipelines and archive: no crawl machinery, no CLI.
        ("crawler/web", {"crawler.cli", "crawler.jobs", "crawler.spiders", "crawler.extensions",
                         "crawler.frontier", "crawler.workers", "crawler.downloadermiddlewares",
                         "crawler.parser", "scrapy", "twisted"}),
    ],
)
def test_import_direction(package, forbidden):
    for module, names in imported_modules(ROOT / package).items():
        bad = forbidden_imports(names, forbidden)
        assert not bad, f"{module} imports {bad}"


def test_parser_imports_none_of_the_rest_of_crawler():
    rest = {f"crawler.{p.stem}" for p in CRAWLER.iterdir()
            if p.stem not in {"parser", "__init__", "__pycache__"}}
    assert {"crawler.spiders", "crawler.downloadermiddlewares", "crawler.extensions",
            "crawler.frontier", "crawler.workers", "crawler.jobs", "crawler.cli"} <= rest
    for module, names in imported_modules(CRAWLER / "parser").items():
        bad = forbidden_imports(names, rest)
        assert not bad, f"{module} imports {bad}"


def test_only_the_cli_imports_the_cli():
    allowed = ("crawler/cli/", "crawler/__main__.py")
    for package in ("crawler", "pipelines", "archive"):
        for module, names in imported_modules(ROOT / package).items():
            if module.startswith(allowed):
                continue
            bad = forbidden_imports(names, {"crawler.cli"})
            assert not bad, f"{module} imports {bad}"


def test_only_the_cli_imports_the_web_face():
    allowed = ("crawler/cli/", "crawler/web/")
    for package in ("crawler", "pipelines", "archive"):
        for module, names in imported_modules(ROOT / package).items():
            if module.startswith(allowed):
                continue
            bad = forbidden_imports(names, WEB)
            assert not bad, f"{module} imports {bad}"


def test_the_helper_sees_full_and_relative_paths(tmp_path, monkeypatch):
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    package = tmp_path / "crawler" / "frontier"
    package.mkdir(parents=True)
    (package / "a.py").write_text(
        "import crawler.jobs.lock\nfrom crawler import cli\nfrom . import seen\n"
        "from ..jobs.runs import x\n",
        encoding="utf-8",
    )
    names = imported_modules(package)["crawler/frontier/a.py"]
    assert {"crawler.jobs.lock", "crawler.cli", "crawler.frontier.seen",
            "crawler.jobs.runs"} <= names
    assert forbidden_imports(names, {"crawler.jobs"}) == [
        "crawler.jobs.lock", "crawler.jobs.runs", "crawler.jobs.runs.x"]
