"""Sources spread over processes: one crawler process loads the imports and the routing model, then
forks the others (issue 12: each process paid about 2.7 CPU-seconds of start-up). Every source
lands, each with the figures of the process that crawled it; a killed crawl is killed whole."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from crawler.running.process import start_crawl_process
from demoportal.server import PortalHandle
from demoportal.state import Fault

SOURCES = ["demo_mailbox", "demo_12345", "demo_board"]


def test_forked_processes_share_the_start_up_and_every_item_lands(
    portal: PortalHandle, fresh_ledger_url: str, crawl, count_items
) -> None:
    expected = {
        slug: len(portal.state.visible(name))
        for slug, name in (
            ("demo_mailbox", "mailbox"),
            ("demo_12345", "feed"),
            ("demo_board", "board"),
        )
    }
    summary = crawl(fresh_ledger_url, SOURCES, processes=2)
    assert summary.ok, [s.failures for s in summary.sources]
    assert {s.source: s.new for s in summary.sources} == expected
    assert count_items(fresh_ledger_url) == expected
    # mailbox and board in the first process (sources are dealt out in turn), 12345 in a process
    # forked from it once the imports and the model were loaded: it pays none of that start-up
    first, forked = summary["demo_mailbox"].process_cpu, summary["demo_12345"].process_cpu
    assert summary["demo_board"].process_cpu == first
    assert 0 < forked < first - 1.0, (first, forked)
    # what of a process's CPU its intake thread spent, per source (benchmarks/crawl.py reports it)
    assert all(0 < s.intake_cpu < s.process_cpu for s in summary.sources), summary.sources
    assert all(s.returncode == 0 for s in summary.sources)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="Linux /proc needed")
def test_a_killed_crawl_takes_its_forked_processes_with_it(
    portal: PortalHandle, fresh_ledger_url: str, crawl_env, tmp_path: Path
) -> None:
    portal.state.faults = [Fault("/board/thread/", "delay", seconds=0.3)]
    try:
        proc = start_crawl_process(
            ["demo_mailbox"],
            forks=[["demo_board"]],
            database_url=fresh_ledger_url,
            summary_dir=tmp_path,
            log_path=tmp_path / "crawl.log",
            settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 1},
            env={**crawl_env, "HUIYING_PROGRESS_INTERVAL": "0.2"},
        )
        assert proc.stdout is not None
        seen = set()
        for line in proc.stdout:  # both processes report progress on the one pipe
            seen.add(json.loads(line)["source"])
            if "demo_board" in seen:
                break
        children = _children(proc.pid)
        assert len(children) == 1
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(children[0]):
            time.sleep(0.1)
        assert not _alive(children[0])
    finally:
        portal.state.faults = []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")  # a zombie waits for its reaper: it is gone as a crawler
    return not stat.exists() or stat.read_text().split(") ")[1][:1] != "Z"
