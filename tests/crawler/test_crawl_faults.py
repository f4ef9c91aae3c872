"""Fault tests against the demo portal: 500s and timeouts are retried; truncated JSON, broken HTML
and a wrong encoding are rejected with URL and reason while the rest of the crawl completes."""

from __future__ import annotations

import pytest

from demoportal.server import PortalHandle
from demoportal.state import Fault

COUNTS = {"board": 45, "mailbox": 30, "feed": 230, "city": 5}  # the feed spans 3 cursor pages


@pytest.fixture(scope="module")
def portal(portal_factory) -> PortalHandle:
    return portal_factory(seed=11, counts=COUNTS)


def test_faults_are_retried_or_rejected_and_the_rest_completes(
    portal, ledger_url, crawl, count_items
):
    state = portal.state
    board = [m.ext_id for m in state.visible("board")]
    mailbox = [m.ext_id for m in state.visible("mailbox")]
    feed = [m.ext_id for m in reversed(state.visible("feed"))]  # oldest first, as paged
    broken, lost_500 = board[3], board[7]
    mojibake, slow = mailbox[2], mailbox[5]
    state.faults = [
        Fault("/board/list", "status", query="page=2", times=2),  # retried, then fine
        Fault(f"/board/thread/{lost_500}.html", "status"),  # always 500: rejected
        Fault(f"/board/thread/{broken}.html", "broken"),
        Fault(f"/mailbox/art/{slow}.html", "delay", seconds=3, times=1),  # timeout, retried
        Fault(f"/mailbox/art/{mojibake}.html", "encoding"),
        Fault("/api/12345/orders", "truncate", query=f"cursor={feed[99]}", times=1),  # re-fetched
        Fault("/api/12345/orders", "truncate", query=f"cursor={feed[199]}"),  # always: rejected
    ]
    summary = crawl(ledger_url, settings={"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 2})

    assert (
        summary["demo_board"].ok and summary["demo_mailbox"].ok
    )  # lost pages, but walked to the end
    # the feed's cursor page that never parses stops the paging: that crawl failed, and says where
    [failure] = summary["demo_12345"].failures
    assert failure.startswith("翻页中断") and f"cursor={feed[199]}" in failure
    reasons = {
        s.source: {r["url"].rsplit("/", 1)[-1]: r["reason"] for r in s.rejections}
        for s in summary.sources
    }
    assert reasons["demo_board"] == {
        f"{lost_500}.html": "HTTP 500 after retries",
        f"{broken}.html": "broken page: no title, body, received_at found",
    }
    assert list(reasons["demo_mailbox"]) == [f"{mojibake}.html"]
    assert "is not valid gb" in reasons["demo_mailbox"][f"{mojibake}.html"]
    [(feed_url, feed_reason)] = reasons["demo_12345"].items()
    assert feed_url.endswith(f"cursor={feed[199]}") and "truncated or invalid JSON" in feed_reason

    assert summary["demo_board"].new == len(board) - 2
    assert summary["demo_mailbox"].new == len(mailbox) - 1  # the slow letter was fetched again
    assert summary["demo_12345"].new == 200  # the third page waits for the next crawl
    assert state.faults[0].fired == 2 and state.faults[3].fired == 1 and state.faults[5].fired == 1

    # the site recovers: the next crawl fetches only what is missing, and ends with every item once
    state.faults = []
    again = crawl(ledger_url)
    assert again["demo_board"].new == 2 and again["demo_mailbox"].new == 1
    assert again["demo_12345"].new == len(feed) - 200
    assert sum(s.rejected for s in again.sources) == 0
    assert again.ok
    assert count_items(ledger_url) == {
        "demo_board": len(board),
        "demo_mailbox": len(mailbox),
        "demo_12345": len(feed),
    }
