"""Item pipelines: normalise → validate → mask → ledger intake (settings read in from_crawler)."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet.defer import DeferredList
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from crawler.items import BODY_FIELDS, TEXT_FIELDS, TIME_FIELDS, MessageItem, is_aware
from crawler.parsing.normalise import clean_text, parse_int, parse_time
from crawler.rejects import record_rejection
from ledger.intake.record_checks import IntakeError
from ledger.intake.records import IntakeRecord
from ledger.masking import mask_personal_data

logger = logging.getLogger("huiying.crawler")
# Intake contexts (rules, calendar, router) per (database, data dir): sources crawled side by side
# in one process share one, so the router is loaded once.
_CONTEXTS: dict[tuple[str, str], Any] = {}


class _Writer:
    """The one intake thread of this process, shared by every source crawled in it: batches of
    all sources are written one after another. SQLite takes one writer at a time anyway; with a
    thread per source they queued on the file lock, sleeping in its busy handler (about a tenth
    of the intake thread's time in a profile of the demo crawl)."""

    pool: ThreadPool | None = None
    users = 0

    @classmethod
    def acquire(cls) -> ThreadPool:
        if cls.pool is None:
            cls.pool = ThreadPool(minthreads=1, maxthreads=1, name="huiying-intake")
            cls.pool.start()
        cls.users += 1
        return cls.pool

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users == 0 and cls.pool is not None:
            cls.pool.stop()
            cls.pool = None


MASKED_FIELDS = ("title", "body", "author", "reply_text")


def intake_context(database_url: str, data_dir: str | None, sessions: Any = None) -> Any:
    """The intake context (rules, calendar, router) for this database and data folder, loaded
    once per process; `sessions` reads it (default: a short-lived engine of its own, as
    crawler.running.run_source uses before it forks, so the children share the loaded model)."""
    from ledger.intake.pipeline import IntakeContext
    from ledger.settings import Settings

    settings = replace(Settings.from_env(), database_url=database_url)
    if data_dir:
        settings = replace(settings, data_dir=Path(data_dir))
    key = (database_url, str(settings.data_dir))
    if key not in _CONTEXTS:
        if sessions is None:
            from ledger.db import make_engine, make_session_factory

            engine = make_engine(database_url)
            try:
                with make_session_factory(engine)() as session:
                    _CONTEXTS[key] = IntakeContext.load(session, settings)
            finally:
                engine.dispose()  # no connection is handed across a fork
        else:
            with sessions() as session:
                _CONTEXTS[key] = IntakeContext.load(session, settings)
    return _CONTEXTS[key]


class NormalisePipeline:
    """HTML → text, full-width letters/digits → ASCII, whitespace; source times → aware datetimes."""

    def __init__(self, crawler: Crawler, default_tz: str):
        self.crawler = crawler
        self.default_tz = default_tz

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalisePipeline:
        return cls(crawler, crawler.settings.get("HUIYING_TIMEZONE", "Asia/Shanghai"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        config = getattr(self.crawler.spider, "source_config", None)
        tz = config.timezone if config is not None else self.default_tz
        adapter["external_id"] = clean_text(adapter["external_id"], multiline=False)
        for name in TEXT_FIELDS:
            adapter[name] = clean_text(adapter[name], multiline=False)
        for name in BODY_FIELDS:
            adapter[name] = clean_text(adapter[name])
        for name in TIME_FIELDS:
            try:
                adapter[name] = parse_time(adapter[name], tz)
            except ValueError as exc:
                adapter["problems"].append(f"{name}: {exc}")
                adapter[name] = None
        try:
            adapter["likes"] = parse_int(adapter["likes"])
        except ValueError:
            adapter["likes"] = None
        adapter["extra"] = {
            k: clean_text(v, multiline=False) or "" for k, v in adapter["extra"].items()
        }
        return item


class ValidatePipeline:
    """A record without id, title, body or a readable time is rejected with its URL and reason."""

    REQUIRED = ("external_id", "title", "body", "received_at")

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        missing = [name for name in self.REQUIRED if not adapter[name]]
        problems = list(adapter["problems"])
        if missing:
            problems.insert(0, "missing " + ", ".join(missing))
        for name in TIME_FIELDS:
            if adapter[name] is not None and not is_aware(adapter[name]):
                problems.append(f"{name} is not an aware datetime")
        if problems:
            reason = f"invalid record {adapter['external_id'] or '?'}: " + "; ".join(problems)
            record_rejection(self.crawler, adapter["url"], reason)
            raise DropItem(reason, log_level="DEBUG")
        return item


class MaskPipeline:
    """Mobile, landline and ID-card numbers are masked in the fields people will see."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in MASKED_FIELDS:
            if adapter[name]:
                adapter[name] = mask_personal_data(adapter[name])
        return item


def to_record(item: MessageItem | Any) -> IntakeRecord:
    a = ItemAdapter(item)
    return IntakeRecord(
        source=a["source"],
        external_id=a["external_id"],
        item_type=a["item_type"],
        title=a["title"],
        body=a["body"],
        received_at=a["received_at"],
        url=a["url"],
        author=a["author"],
        request_kind=a["request_kind"],
        urgency=a["urgency"],
        source_status=a["status"],
        source_due_at=a["due_at"],
        dispatched_at=a["dispatched_at"],
        reply_unit=a["reply_unit"],
        reply_text=a["reply_text"],
        replied_at=a["replied_at"],
        satisfaction=a["satisfaction"],
        likes=a["likes"],
        extra=dict(a["extra"]),
    )


class IntakePipeline:
    """Hands records to ledger intake in batches: a batch is written when it holds
    HUIYING_INTAKE_BATCH items or its first item has waited HUIYING_INTAKE_BATCH_SECONDS, and at the
    end of the crawl; one transaction per batch. Counts new/updated/unchanged and every refusal.
    Batches are written one after another on the process's writer thread, so the crawl keeps
    downloading (and download timeouts keep their meaning) while the database works.

    The engine is opened once per crawl (HUIYING_DATABASE_URL from the crawler settings).
    """

    def __init__(
        self,
        crawler: Crawler,
        database_url: str,
        data_dir: str | None,
        batch_size: int = 100,
        batch_seconds: float = 2.0,
    ):
        self.crawler = crawler
        self.database_url = database_url
        self.data_dir = data_dir
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.engine: Any = None
        self.sessions: Any = None
        self.ctx: Any = None
        self.delivery: Any = None  # ledger.intake.delivery.DeliveryLog for this crawl
        self.pending: list[tuple[str, IntakeRecord]] = []  # (url, record)
        self.oldest = 0.0
        self.timer: Any = None
        self.pool: Any = None  # the process's writer thread: batches are written one at a time
        self.writes: list[Any] = []  # Deferreds of batches handed to the writer
        self.intake_cpu = 0.0  # CPU seconds of the writer thread on this crawl's batches

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IntakePipeline:
        url = crawler.settings.get("HUIYING_DATABASE_URL")
        if not url:
            raise ValueError("HUIYING_DATABASE_URL is not set in the crawler settings")
        return cls(
            crawler,
            url,
            crawler.settings.get("HUIYING_DATA_DIR"),
            crawler.settings.getint("HUIYING_INTAKE_BATCH", 100),
            crawler.settings.getfloat("HUIYING_INTAKE_BATCH_SECONDS", 2.0),
        )

    def open_spider(self) -> None:
        from twisted.internet import task

        from ledger.db import make_engine, make_session_factory
        from ledger.intake.delivery import DeliveryLog

        self.engine = make_engine(self.database_url, intake=True)
        self.sessions = make_session_factory(self.engine)
        self.ctx = intake_context(self.database_url, self.data_dir, self.sessions)
        self.delivery = DeliveryLog()
        self.pool = _Writer.acquire()
        self.timer = task.LoopingCall(self._flush_if_due)
        self.timer.start(min(1.0, self.batch_seconds), now=False)

    def close_spider(self) -> Any:
        """Write what is left; the crawl closes once every batch is in the ledger."""
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        done = DeferredList(self.writes)

        def stop(_: Any) -> None:
            if self.crawler.stats is not None:  # what of the process's CPU went to intake
                self.crawler.stats.set_value(
                    "huiying/intake_cpu_seconds", round(self.intake_cpu, 3)
                )
            if self.pool is not None:
                _Writer.release()
                self.pool = None
            if self.engine is not None:
                self.engine.dispose()

        done.addBoth(stop)
        return done

    def process_item(self, item: Any) -> Any:
        config = getattr(self.crawler.spider, "source_config", None)
        record = to_record(item)
        if config is not None and config.not_before is not None:
            record = replace(record, not_before=config.not_before)
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append((ItemAdapter(item)["url"], record))
        if len(self.pending) >= self.batch_size:
            self.flush()
        return item

    def _flush_if_due(self) -> None:
        if self.pending and time.monotonic() - self.oldest >= self.batch_seconds:
            self.flush()

    def flush(self) -> None:
        """Hand the pending batch to the writer thread; its outcomes are counted when written."""
        from twisted.internet import reactor

        batch, self.pending = self.pending, []
        if not batch:
            return
        written = deferToThreadPool(reactor, self.pool, self._write, batch)
        written.addCallback(self._count, batch)
        written.addErrback(lambda failure: logger.error("intake batch: %s", failure))
        self.writes.append(written)

    def _write(self, batch: list[tuple[str, IntakeRecord]]) -> list[Any]:
        """On the writer thread: one transaction for the batch."""
        from ledger.intake.batch import intake_batch

        started = time.thread_time()
        try:
            with self.sessions() as session, session.begin():
                return intake_batch(
                    session, [r for _, r in batch], self.ctx, delivery=self.delivery
                )
        except Exception as exc:  # the database is gone: every record of the batch is refused
            logger.exception("intake of a batch of %d failed", len(batch))
            return [exc] * len(batch)
        finally:
            self.intake_cpu += time.thread_time() - started

    def _count(self, outcomes: list[Any], batch: list[tuple[str, IntakeRecord]]) -> None:
        """On the reactor thread: figures and refusals (with URL and reason) of a written batch."""
        from ledger.intake.delivery import ConflictingDuplicate

        stats = self.crawler.stats
        assert stats is not None
        for (url, _), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, ConflictingDuplicate):
                stats.inc_value("huiying/conflicts")
                record_rejection(self.crawler, url, f"conflicting duplicate: {outcome}")
            elif isinstance(outcome, IntakeError):
                record_rejection(self.crawler, url, f"intake refused: {outcome}")
            elif isinstance(outcome, Exception):
                reason = f"intake error: {type(outcome).__name__}: {outcome}"
                record_rejection(self.crawler, url, reason)
            else:
                stats.inc_value(f"huiying/{outcome.outcome}")
        stats.inc_value("huiying/batches")
