"""A crawl stopped mid-run (killed, or paused with JOBDIR) and started again ends with every item
exactly once in the ledger."""

from __future__ import annotations

import json
import signal

import pytest

from crawler.running.process import start_crawl_process
from demoportal.server import PortalHandle
from demoportal.state import Fault

COUNTS = {"board": 60, "mailbox": 5, "feed": 5, "city": 5}


@pytest.fixture(scope="module")
def portal(portal_factory) -> PortalHandle:
    handle = portal_factory(seed=5, counts=COUNTS)
    # slow detail pages, so that the crawl is surely still running when it is stopped
    handle.state.faults = [Fault("/board/thread/", "delay", seconds=0.15)]
    return handle


def _crawl_until(ledger_url, crawl_env, tmp_path, jobdir, stop_after_new: int):
    """Start a board crawl and return (process, progress seen) once `stop_after_new` items landed."""
    env = {**crawl_env, "HUIYING_PROGRESS_INTERVAL": "0.2"}
    proc = start_crawl_process(
        ["demo_board"],
        database_url=ledger_url,
        summary_dir=tmp_path,
        log_path=tmp_path / "crawl.log",
        jobdir=jobdir,
        # small intake batches: items land while the crawl runs (a kill loses only the open batch)
        settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "HUIYING_INTAKE_BATCH": 5},
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        event = json.loads(line)
        if event["new"] >= stop_after_new or event["event"] == "closed":
            return proc, event
    raise AssertionError("the crawl ended without progress")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["killed", "paused"])
def test_stopped_crawl_restarted_ends_with_every_item_once(
    stop, portal, fresh_ledger_url, crawl_env, crawl, count_items, tmp_path
):
    total = len(portal.state.visible("board"))
    jobdir = tmp_path / "jobs"
    proc, event = _crawl_until(fresh_ledger_url, crawl_env, tmp_path, jobdir, stop_after_new=10)
    proc.send_signal(stop)  # SIGINT: Scrapy stops gracefully and keeps its queue in JOBDIR
    proc.communicate(timeout=60)
    landed = count_items(fresh_ledger_url).get("demo_board", 0)
    assert event["event"] == "progress" and 10 <= landed < total

    again = crawl(fresh_ledger_url, ["demo_board"], jobdir=jobdir)
    assert again["demo_board"].ok
    assert again["demo_board"].new == total - landed
    assert count_items(fresh_ledger_url) == {"demo_board": total}
    if stop == signal.SIGINT:
        assert (jobdir / "demo_board" / "requests.queue").is_dir()
