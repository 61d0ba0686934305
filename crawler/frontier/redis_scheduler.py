"""The shared frontier of a distributed crawl: scrapy-redis's scheduler, made fit for our use.

- It avoids scrapy-redis 0.9.1's deprecated calls (``spider=`` to the stats collector,
  ``Spider.log``), which our test suite turns into errors.
- The queue persists (``SCHEDULER_PERSIST=True``): with ``False`` the first worker to stop
  deletes the shared queue and duplicate filter and the others re-crawl. Instead each worker
  registers in a Redis hash, and the *last* one to leave deletes the crawl's keys.
- A worker stops once the frontier has stayed empty for ``CHINAREPORT_IDLE_TIMEOUT``
  seconds (only scrapy-redis's own RedisSpider closes on idle, and on a different signal).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "chinareport"
DEFAULT_IDLE_TIMEOUT = 30.0


def redis_keys(prefix: str) -> dict[str, str]:
    """Every key a distributed crawl uses under ``prefix``."""
    return {
        "queue": f"{prefix}:requests",
        "dupefilter": f"{prefix}:dupefilter",
        "seen": f"{prefix}:seen",
        "workers": f"{prefix}:workers",
    }


def redis_settings(redis_url: str, prefix: str, idle_timeout: float) -> dict[str, Any]:
    """The Scrapy settings that switch a crawl to the shared Redis frontier."""
    keys = redis_keys(prefix)
    return {
        "SCHEDULER": "crawler.frontier.redis_scheduler.RedisScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": keys["queue"],
        "SCHEDULER_DUPEFILTER_KEY": keys["dupefilter"],
        "REDIS_URL": redis_url,
        "CHINAREPORT_REDIS_PREFIX": prefix,
        "CHINAREPORT_IDLE_TIMEOUT": idle_timeout,
    }


class RedisScheduler(Scheduler):
    """scrapy-redis's Scheduler without deprecated calls, with idle close and last-out cleanup."""

    crawler: Crawler | None = None
    prefix: str = DEFAULT_PREFIX
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    worker: str = ""
    _empty_since: float | None = None
    df: Any

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        instance: RedisScheduler = cls.from_settings(crawler.settings)
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.prefix = crawler.settings.get("CHINAREPORT_REDIS_PREFIX") or DEFAULT_PREFIX
        instance.idle_timeout = crawler.settings.getfloat(
            "CHINAREPORT_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT
        )
        instance.worker = f"{socket.gethostname()}:{os.getpid()}"
        instance._empty_since = None
        crawler.signals.connect(instance._spider_idle, signal=signals.spider_idle)
        return instance

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.queue = self._make_queue(spider)
        if not self.df:
            self.df = self._load_dupefilter(spider)
        if self.flush_on_start:
            self.flush()
        self.server.hset(redis_keys(self.prefix)["workers"], self.worker, time.time())
        pending = len(self.queue)
        if pending:
            logger.info("joining a crawl in progress (%d requests in the frontier)", pending)

    def _make_queue(self, spider: Spider) -> Any:
        from scrapy.utils.misc import load_object

        return load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer
        )

    def _load_dupefilter(self, spider: Spider) -> Any:
        from scrapy.utils.misc import load_object

        return load_object(self.dupefilter_cls).from_spider(spider)

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop(self.idle_before_close)
        if request is not None:
            self._empty_since = None
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _spider_idle(self) -> None:
        """Keep the worker alive until the shared frontier has been empty for the idle timeout."""
        now = time.time()
        self.server.hset(redis_keys(self.prefix)["workers"], self.worker, now)
        if len(self.queue) > 0:
            self._empty_since = None
            raise DontCloseSpider
        if self._empty_since is None:
            self._empty_since = now
        if now - self._empty_since < self.idle_timeout:
            raise DontCloseSpider
        logger.info("the frontier has been empty for %.0f s: stopping", now - self._empty_since)

    def close(self, reason: str) -> None:
        keys = redis_keys(self.prefix)
        self.server.hdel(keys["workers"], self.worker)
        stale_after = max(60.0, 3 * self.idle_timeout)
        others = {
            name: float(seen)
            for name, seen in self.server.hgetall(keys["workers"]).items()
            if time.time() - float(seen) < stale_after
        }
        if reason == "finished" and not others:
            logger.info("last worker out: deleting the crawl's Redis keys under %s", self.prefix)
            self.server.delete(*keys.values())
