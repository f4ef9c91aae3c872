"""Scheduled crawls: a file lock keeps a second process (or thread) from crawling at the same time."""

from __future__ import annotations

import threading

from filelock import FileLock

from crawler.running.schedule import PeriodicCrawl, crawl_once_locked


def test_skips_while_another_process_holds_the_lock(tmp_path):
    lock_path = tmp_path / "crawl.lock"
    with FileLock(str(lock_path)):
        assert (
            crawl_once_locked(lock_path, sources=["demo_board"], database_url="sqlite://") is None
        )


def test_periodic_crawl_reports_each_turn_and_stops(tmp_path):
    lock_path = tmp_path / "crawl.lock"
    results, two_turns = [], threading.Event()

    def on_result(result):
        results.append(result)
        if len(results) >= 2:
            two_turns.set()

    with FileLock(str(lock_path)):  # held elsewhere: every turn is skipped, the loop goes on
        job = PeriodicCrawl(0.001, lock_path, on_result=on_result, run_first=True).start()
        assert two_turns.wait(30)
        job.stop(timeout=30)
    assert results[:2] == [None, None]
    assert not job.thread.is_alive()


def test_a_free_lock_runs_the_crawl(tmp_path, portal, fresh_ledger_url, crawl_env, count_items):
    summary = crawl_once_locked(
        tmp_path / "crawl.lock",
        sources=["demo_12345"],
        database_url=fresh_ledger_url,
        env=crawl_env,
        log_dir=tmp_path,
    )
    assert summary is not None and summary["demo_12345"].ok
    assert count_items(fresh_ledger_url) == {"demo_12345": len(portal.state.visible("feed"))}
