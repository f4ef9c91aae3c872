"""Crawls spread over processes and machines with scrapy-redis: one request queue and one duplicate
filter per source in a shared Redis, so every page is fetched once by whichever crawler is free.

Chosen by configuration: HUIYING_REDIS_URL (or a source's [distributed] redis_url). Every crawler of
one round must use the same HUIYING_CRAWL_ID (default: the current UTC hour), which names the Redis
keys; the keys expire a day after the round. Without Redis the crawl stays single-process.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings

KEEP_SECONDS = 24 * 3600


def redis_url(config: Any, overrides: dict[str, str] | None = None) -> str | None:
    overrides = overrides or {}
    url = overrides.get("HUIYING_REDIS_URL") or os.environ.get("HUIYING_REDIS_URL")
    return url or (getattr(config, "redis_url", None) if config is not None else None)


def crawl_id() -> str:
    return os.environ.get("HUIYING_CRAWL_ID") or datetime.now(UTC).strftime("%Y%m%d%H")


def use_redis(settings: Settings, url: str) -> None:
    """Scheduler and duplicate filter in Redis (scrapy-redis), keys named by the crawl id."""
    prefix = f"huiying:{crawl_id()}:%(spider)s"
    for name, value in {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # the other crawlers still need the queue when one stops
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "REDIS_URL": url,
        "HUIYING_DISTRIBUTED": True,
    }.items():
        settings.set(name, value, priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["crawler.running.distributed.ExpireKeys"] = 520
    extensions["crawler.running.distributed.StayWhileOthersWork"] = 530
    settings.set("EXTENSIONS", extensions, priority="cmdline")


class ExpireKeys:
    """When a crawler of the round stops, its round's keys get an expiry (not deleted: others may
    still be working from them)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExpireKeys:
        if not crawler.settings.getbool("HUIYING_DISTRIBUTED"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any) -> None:
        import redis

        client = redis.Redis.from_url(self.crawler.settings.get("REDIS_URL"))
        for setting in ("SCHEDULER_QUEUE_KEY", "SCHEDULER_DUPEFILTER_KEY"):
            client.expire(
                self.crawler.settings.get(setting) % {"spider": spider.name}, KEEP_SECONDS
            )
        client.close()


class StayWhileOthersWork:
    """A crawler whose share of the queue is empty waits while others of the round still work (they
    may queue more pages); the round ends when every crawler is idle and the queue is empty."""

    def __init__(self, crawler: Crawler):
        import redis

        self.crawler = crawler
        self.client = redis.Redis.from_url(crawler.settings.get("REDIS_URL"))
        self.me = f"{os.uname().nodename}:{os.getpid()}:{id(self)}"
        self.prefix = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StayWhileOthersWork:
        if not crawler.settings.getbool("HUIYING_DISTRIBUTED"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.busy, signal=signals.response_received)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def _key(self, what: str) -> str:
        return f"{self.prefix}:{what}"

    def opened(self, spider: Any) -> None:
        self.prefix = f"huiying:{crawl_id()}:{spider.name}"
        self.client.sadd(self._key("workers"), self.me)
        self.client.expire(self._key("workers"), KEEP_SECONDS)

    def busy(self, *args: Any, **kwargs: Any) -> None:
        self.client.srem(self._key("idle"), self.me)

    def idle(self, spider: Any) -> None:
        from scrapy.exceptions import DontCloseSpider

        queue = self.crawler.settings.get("SCHEDULER_QUEUE_KEY") % {"spider": spider.name}
        self.client.sadd(self._key("idle"), self.me)
        self.client.expire(self._key("idle"), KEEP_SECONDS)
        if self.client.zcard(queue) > 0:
            raise DontCloseSpider  # pages are waiting: take one
        workers = self.client.smembers(self._key("workers"))
        idle = self.client.smembers(self._key("idle"))
        if not workers <= idle:
            raise DontCloseSpider  # another crawler is still fetching: it may queue more

    def closed(self, spider: Any) -> None:
        self.client.srem(self._key("workers"), self.me)
        self.client.srem(self._key("idle"), self.me)
        self.client.close()
