"""Two crawler processes share one scrapy-redis queue and duplicate filter (issue 12): against the
demo portal every item lands exactly once and no page is fetched twice."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from crawler.running.process import start_crawl_process

REDIS = "redis://127.0.0.1:6379/15"
SOURCES = ["demo_board", "demo_mailbox"]


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_timeout=2).ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


def test_two_processes_share_the_work(portal, ledger_url, crawl_env, count_items, tmp_path: Path):
    from crawler.config.sources import REPO_ROOT
    from demoportal.state import Fault

    # slow detail pages: the crawl lasts long enough for the second process to start and join in
    portal.state.faults = [
        Fault("/board/thread/", "delay", seconds=1.5),
        Fault("/mailbox/art/", "delay", seconds=1.5),
    ]
    env = {**crawl_env, "HUIYING_REDIS_URL": REDIS, "HUIYING_CRAWL_ID": f"test-{uuid.uuid4().hex}"}
    portal.state.served.clear()
    procs = []
    for n in (1, 2):
        summary = tmp_path / f"summary{n}"
        summary.mkdir()
        proc = start_crawl_process(
            SOURCES,
            database_url=ledger_url,
            summary_dir=summary,
            log_path=tmp_path / f"crawl{n}.log",
            sources_dir=REPO_ROOT / "data" / "sources",
            settings={"DOWNLOAD_TIMEOUT": 10, "LOG_LEVEL": "INFO"},
            env=env,
        )
        procs.append((proc, summary))
    stats = []
    for proc, summary in procs:
        proc.communicate(timeout=300)
        assert proc.returncode == 0, (tmp_path / "crawl1.log").read_text()[-3000:]
        stats.append({s: json.loads((summary / f"{s}.json").read_text()) for s in SOURCES})

    expected = {
        "demo_board": len(portal.state.visible("board")),
        "demo_mailbox": len(portal.state.visible("mailbox")),
    }
    assert count_items(ledger_url) == expected  # every item once
    for slug, total in expected.items():
        new = [s[slug].get("huiying/new", 0) for s in stats]
        assert sum(new) == total, (slug, new)
    portal.state.faults = []
    pages = [sum(s[slug].get("huiying/pages", 0) for slug in SOURCES) for s in stats]
    assert all(n > 0 for n in pages), pages  # both processes did part of the work
    twice = {path: n for path, n in portal.state.served.items() if n > 1 and path != "/robots.txt"}
    assert twice == {}  # no page fetched twice
