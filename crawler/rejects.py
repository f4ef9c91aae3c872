"""Rejected pages and records: logged with URL and reason, counted in the crawl stats."""

from __future__ import annotations

import logging
import re

from scrapy.crawler import Crawler

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
