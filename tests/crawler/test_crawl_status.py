"""Each crawl is recorded per source in the ledger (crawl_run, source.last_crawled_at): by
`huiying crawl`'s locked run and by the background periodic crawl, with outcome, counts and the
first refusals. A source whose list always answers 500 is recorded as 失败 with its reasons."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.running.schedule import PeriodicCrawl, crawl_once_locked
from demoportal.state import Fault
from ledger.crawl_log import CrawlFigures, advice, latest_runs, record_crawl
from ledger.db import make_engine, make_session_factory
from ledger.models import CrawlOutcome, CrawlRun, Source
from ledger.schema import upgrade
from ledger.settings import REPO_ROOT

SOURCES_DIR = REPO_ROOT / "data" / "sources"
FAST = {"DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 2, "LOG_LEVEL": "INFO"}


def _runs(url: str) -> dict[str, list[CrawlRun]]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            out: dict[str, list[CrawlRun]] = {}
            for run in session.scalars(select(CrawlRun).order_by(CrawlRun.id)):
                out.setdefault(run.source.slug, []).append(run)
                assert run.source.last_crawled_at is not None
            latest = latest_runs(session)
            assert {r.id for r in latest.values()} == {runs[-1].id for runs in out.values()}
            for run in latest.values():
                run.advice = advice(run)  # type: ignore[attr-defined]
            return out
    finally:
        engine.dispose()


def test_each_crawl_is_recorded_per_source(portal, fresh_ledger_url, crawl_env, tmp_path):
    portal.state.faults = [Fault("/board/list", "status")]  # the board's list always fails
    before = datetime.now(UTC)
    try:
        summary = crawl_once_locked(
            tmp_path / "crawl.lock",
            sources=["demo_board", "demo_12345"],
            database_url=fresh_ledger_url,
            env=crawl_env,
            log_dir=tmp_path,
            sources_dir=SOURCES_DIR,
            settings={**FAST, "RETRY_TIMES": 0},
        )
    finally:
        portal.state.faults = []
    assert summary is not None and not summary["demo_board"].ok
    runs = _runs(fresh_ledger_url)
    [board] = runs["demo_board"]
    [feed] = runs["demo_12345"]
    assert board.outcome == CrawlOutcome.FAILED and board.new == 0
    assert any("没有采到任何条目" in f for f in board.failures)
    assert board.refusals and "/board/list" in board.refusals[0]["url"]
    assert "HTTP 500" in board.refusals[0]["reason"]
    assert "浏览器中打开来源地址" in board.advice  # type: ignore[attr-defined]
    assert feed.outcome == CrawlOutcome.OK and feed.new == len(portal.state.visible("feed"))
    assert feed.failures == [] and feed.refusals == [] and feed.advice == ""  # type: ignore[attr-defined]
    assert before <= board.started_at <= board.finished_at <= datetime.now(UTC)
    assert board.source.name == "网上留言板（演示）"  # a source that never delivered gets its row
    assert feed.source.name != "demo_12345"  # the intake knew only the slug: the file names it


def test_the_periodic_crawl_records_each_turn(portal, fresh_ledger_url, crawl_env, tmp_path):
    done = threading.Event()
    job = PeriodicCrawl(
        60,
        tmp_path / "crawl.lock",
        on_result=lambda _: done.set(),
        run_first=True,
        sources=["demo_12345"],
        database_url=fresh_ledger_url,
        env=crawl_env,
        log_dir=tmp_path,
        sources_dir=SOURCES_DIR,
        settings=FAST,
    ).start()
    assert done.wait(300)
    job.stop(timeout=30)
    [run] = _runs(fresh_ledger_url)["demo_12345"]
    assert run.outcome == CrawlOutcome.OK and run.new == len(portal.state.visible("feed"))
    engine = make_engine(fresh_ledger_url)
    with Session(engine) as session:
        source = session.scalars(select(Source).where(Source.slug == "demo_12345")).one()
        assert source.last_crawled_at is not None
        assert datetime.now(UTC) - source.last_crawled_at < timedelta(minutes=5)
    engine.dispose()


def test_only_the_latest_runs_of_each_source_are_kept(database_url):
    engine = make_engine(database_url)
    start = datetime(2026, 11, 1, tzinfo=UTC)

    def crawl(slug: str, n: int, keep: int) -> None:
        at = start + timedelta(minutes=30 * n)
        with make_session_factory(engine).begin() as session:
            figures = CrawlFigures(slug, slug, "留言板", at, at + timedelta(minutes=1), new=n)
            record_crawl(session, figures, keep=keep)

    def kept(slug: str) -> list[int]:
        with Session(engine) as session:
            return list(
                session.scalars(
                    select(CrawlRun.new)
                    .join(Source)
                    .where(Source.slug == slug)
                    .order_by(CrawlRun.id)
                )
            )

    try:
        upgrade(engine)
        for n in range(7):
            crawl("board", n, keep=3)
            crawl("mailbox", n, keep=10)
        assert kept("board") == [4, 5, 6] and kept("mailbox") == list(range(7))
        crawl("board", 7, keep=0)  # the run just recorded always stays
        assert kept("board") == [7] and kept("mailbox") == list(range(7))
    finally:
        engine.dispose()
