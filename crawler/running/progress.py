"""A Scrapy extension that writes the crawl's progress as JSON lines on stdout (read by the parent
process, see crawler.running.process). Enabled by HUIYING_PROGRESS=1."""

from __future__ import annotations

import json
import sys
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

COUNTERS = ("pages", "new", "updated", "unchanged", "skipped", "rejected")


def snapshot(stats: dict[str, Any]) -> dict[str, int]:
    return {name: int(stats.get(f"huiying/{name}", 0) or 0) for name in COUNTERS}


class ProgressReporter:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        if not crawler.settings.getbool("HUIYING_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler, crawler.settings.getfloat("HUIYING_PROGRESS_INTERVAL", 1.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _emit(self, event: str, **extra: Any) -> None:
        assert self.crawler.stats is not None and self.crawler.spider is not None
        line = {
            "event": event,
            "source": self.crawler.spider.name,
            **snapshot(self.crawler.stats.get_stats()),
            **extra,
        }
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def spider_opened(self) -> None:
        self.loop = task.LoopingCall(self._emit, "progress")
        self.loop.start(self.interval, now=True)

    def spider_closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self._emit("closed", finish_reason=reason)
