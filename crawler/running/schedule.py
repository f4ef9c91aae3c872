"""Crawl every N minutes without two processes fighting: a file lock guards each crawl.

`crawl_once_locked` is the unit (skips when another process holds the lock); `PeriodicCrawl` runs
it on a background thread (what `huiying run` starts); `huiying crawl --lock PATH` is the same
from a shell, cron or a web app's scheduler.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from crawler.running.process import CrawlSummary, run_crawl
from crawler.running.record import record_summary

logger = logging.getLogger("huiying.crawler")


def crawl_once_locked(lock_path: Path | str, **run_crawl_options: Any) -> CrawlSummary | None:
    """Run one crawl if nobody else is crawling; None when the lock is held elsewhere. Each
    source's outcome, counts and first refusals are recorded in the ledger (the admin page)."""
    Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        logger.info("another crawl holds %s: skipped", lock_path)
        return None
    try:
        started = datetime.now(UTC)
        summary = run_crawl(**run_crawl_options)
        record_summary(
            summary,
            started,
            datetime.now(UTC),
            database_url=run_crawl_options.get("database_url"),
            sources_dir=run_crawl_options.get("sources_dir"),
            env=run_crawl_options.get("env"),
        )
        return summary
    finally:
        lock.release()


class PeriodicCrawl:
    """Crawl every `interval_minutes` on a daemon thread; `on_result` gets each summary (or None
    when skipped because another process was crawling)."""

    def __init__(
        self,
        interval_minutes: float,
        lock_path: Path | str,
        *,
        on_result: Callable[[CrawlSummary | None], None] | None = None,
        run_first: bool = False,
        **run_crawl_options: Any,
    ):
        if interval_minutes <= 0:
            raise ValueError("interval_minutes must be positive")
        self.interval = interval_minutes * 60
        self.lock_path = lock_path
        self.on_result = on_result
        self.run_first = run_first
        self.options = run_crawl_options
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="huiying-crawl", daemon=True)
        self.runs = 0

    def start(self) -> PeriodicCrawl:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop scheduling; a crawl in progress finishes in its own process."""
        self.stopped.set()
        self.thread.join(timeout)

    def run_once(self) -> CrawlSummary | None:
        result = crawl_once_locked(self.lock_path, **self.options)
        self.runs += 1
        if self.on_result is not None:
            self.on_result(result)
        return result

    def _loop(self) -> None:
        if not self.run_first and self.stopped.wait(self.interval):
            return
        while not self.stopped.is_set():
            try:
                self.run_once()
            except Exception:  # keep scheduling: the next run may succeed
                logger.exception("scheduled crawl failed")
            if self.stopped.wait(self.interval):
                return


def start_periodic(interval_minutes: float, lock_path: Path | str, **options: Any) -> PeriodicCrawl:
    """Start crawling every `interval_minutes` (run_crawl options: sources, database_url, env...)."""
    return PeriodicCrawl(interval_minutes, lock_path, **options).start()
