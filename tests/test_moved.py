"""The old import and setting paths of the moved modules resolve, warn, and are used nowhere."""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

import crawler.frontier
from crawler._moved import FRONTIER_NAMES, MOVED
from crawler.frontier.redis_scheduler import redis_settings

ROOT = Path(__file__).resolve().parents[1]

# Component paths users may have in their own settings, and where the class lives now.
OLD_SETTING_PATHS = {
    "crawler.session.CrawlSession": "crawler.extensions.session.CrawlSession",
    "crawler.warc_capture.WarcCapture": "crawler.extensions.warc_capture.WarcCapture",
    "crawler.fetch_log.FetchLogMiddleware":
        "crawler.downloadermiddlewares.fetch_log.FetchLogMiddleware",
    "crawler.incomplete.IncompleteResponseMiddleware":
        "crawler.downloadermiddlewares.incomplete.IncompleteResponseMiddleware",
    "crawler.incomplete.BoundedDecompression":
        "crawler.downloadermiddlewares.incomplete.BoundedDecompression",
    "crawler.encoded_body.EncodedBodyMiddleware":
        "crawler.downloadermiddlewares.encoded_body.EncodedBodyMiddleware",
    "crawler.retry_after.RetryAfterMiddleware":
        "crawler.downloadermiddlewares.retry_after.RetryAfterMiddleware",
    "crawler.redirect_policy.RedirectPolicyMiddleware":
        "crawler.downloadermiddlewares.redirect_policy.RedirectPolicyMiddleware",
    "crawler.redis_scheduler.RedisScheduler": "crawler.frontier.redis_scheduler.RedisScheduler",
    "crawler.frontier.DiskDupeFilter": "crawler.frontier.seen.DiskDupeFilter",
}


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_module_path_is_the_new_module_with_a_warning(old, new, monkeypatch):
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=f"{re.escape(old)} has moved to {re.escape(new)}"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)


@pytest.mark.parametrize(("old", "new"), sorted(OLD_SETTING_PATHS.items()))
def test_an_old_setting_path_loads_the_same_class_with_a_warning(old, new, monkeypatch):
    module = old.rsplit(".", 1)[0]
    if module in MOVED:  # not crawler.frontier, the package itself
        monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.warns(DeprecationWarning, match=re.escape(new.rsplit(".", 1)[0])):
        found = load_object(old)
    assert found is load_object(new)


@pytest.mark.parametrize("name", sorted(FRONTIER_NAMES))
def test_the_old_frontier_module_names_resolve_from_the_package(name):
    with pytest.warns(DeprecationWarning, match=re.escape(f"crawler.frontier.seen.{name}")):
        found = getattr(crawler.frontier, name)
    assert found is getattr(importlib.import_module("crawler.frontier.seen"), name)


def test_the_frontier_package_has_no_other_names():
    with pytest.raises(AttributeError):
        crawler.frontier.no_such_name  # noqa: B018


def test_every_setting_path_resolves_without_a_warning():
    settings = Settings()
    settings.setmodule("crawler.settings")
    paths = [settings["DUPEFILTER_CLASS"], settings["CHINAREPORT_LOCK_AND_REPAIR"],
             redis_settings("redis://127.0.0.1:6379/0", "p", 1.0)["SCHEDULER"]]
    for name in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "ITEM_PIPELINES"):
        paths += [path for path, order in settings.getdict(name).items() if order is not None]
    assert len(paths) >= 12
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in paths:
            load_object(path)


def test_nothing_in_the_project_uses_an_old_path():
    old = "|".join(re.escape(m.removeprefix("crawler.")) for m in MOVED)
    pattern = re.compile(
        rf"\bcrawler[./]({old})\b|\bcrawler\.frontier\.({'|'.join(sorted(FRONTIER_NAMES))})\b"
    )
    skip = {ROOT / "crawler" / "_moved.py", Path(__file__).resolve()}
    for folder in ("crawler", "pipelines", "archive", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path in skip:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found = pattern.search(line)
                assert not found, f"{path.relative_to(ROOT)}:{number} uses {found.group(0)}"
