"""Rejected pages and records: logged with URL and reason, counted in the crawl stats."""

from __future__ import annotations

import logging
import re
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

logger = logging.getLogger("huiying.crawler")
KEEP = 20_000  # rejections listed in the summary (beyond that only counted; all are in the log)


def reason_kind(reason: str) -> str:
    """A short stats key for a reason: 'truncated or invalid JSON (…)' → 'truncated_or_invalid_json'."""
    head = re.split(r"[(:（：]", reason, maxsplit=1)[0].strip().lower()
    return re.sub(r"\W+", "_", head).strip("_")[:40] or "other"


def record_rejection(crawler: Crawler, url: str, reason: str) -> None:
    stats = crawler.stats
    assert stats is not None
    logger.warning("rejected %s: %s", url, reason)
    stats.inc_value("huiying/rejected")
    stats.inc_value(f"huiying/rejected/{reason_kind(reason)}")
    kept = stats.get_value("huiying/rejections")
    if kept is None:
        kept = []
        stats.set_value("huiying/rejections", kept)
    if len(kept) < KEEP:
        kept.append({"url": url, "reason": reason})


class ErrorsAsRejections:
    """An exception anywhere in a callback or a pipeline is a refusal with its URL and reason, and
    counts as an error (the source's crawl fails): nothing is dropped only into the log."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ErrorsAsRejections:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        return ext

    def _count(self, url: str, where: str, failure: Failure) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("huiying/errors")
        error = failure.value
        record_rejection(self.crawler, url, f"{where}: {type(error).__name__}: {error}")

    def spider_error(self, failure: Failure, response: Any, spider: Any = None) -> None:
        self._count(getattr(response, "url", "?"), "parse error", failure)

    def item_error(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        url = str(getattr(item, "url", None) or getattr(response, "url", "?"))
        self._count(url, "pipeline error", failure)
