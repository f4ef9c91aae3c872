"""Real Scrapy, over HTTP on loopback, against the demo portal, into a real SQLite ledger."""

from __future__ import annotations

import json
import urllib.request

DEMO_SOURCES = ["demo_12345", "demo_board", "demo_mailbox"]
PORTAL_NAMES = {"demo_board": "board", "demo_mailbox": "mailbox", "demo_12345": "feed"}


def test_every_item_lands_and_a_second_crawl_adds_nothing(portal, ledger_url, crawl, count_items):
    expected = {slug: len(portal.state.visible(name)) for slug, name in PORTAL_NAMES.items()}

    first = crawl(ledger_url)
    for slug, count in expected.items():
        assert first[slug].ok, first[slug].finish_reason
        assert first[slug].new == count, slug
        assert first[slug].rejected == 0, first[slug].rejections
    assert count_items(ledger_url) == expected

    second = crawl(ledger_url)
    for slug, count in expected.items():
        assert second[slug].new == 0 and second[slug].updated == 0, slug
        assert second[slug].unchanged + second[slug].skipped == count, slug
        assert second[slug].pages < first[slug].pages or slug == "demo_12345"
    # html sources: known, unchanged items are not fetched again, only the list pages are
    assert second["demo_board"].skipped == expected["demo_board"]
    assert count_items(ledger_url) == expected

    # the portal answers some open messages: the next crawl updates exactly those
    replied = {
        "demo_board": set(portal.state.add_replies("board", 3)),
        "demo_mailbox": set(portal.state.add_replies("mailbox", 2)),
        "demo_12345": {_feedback(portal, m.ext_id) for m in portal.state.pending("feed")[:2]},
    }
    third = crawl(ledger_url)
    for slug, ids in replied.items():
        assert third[slug].updated == len(ids), slug
        assert third[slug].new == 0
    assert _replied_ids(ledger_url, replied) == replied


def _feedback(portal, order_no: str) -> str:
    body = json.dumps({"content": "已联系企业说明政策，企业表示满意。", "unit": "中小企业局"})
    request = urllib.request.Request(
        f"{portal.url}/api/12345/orders/{order_no}/feedback",
        data=body.encode(),
        headers={
            "Authorization": f"Bearer {portal.state.feed_token}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["data"]["status"] == "已办结"
    return order_no


def _replied_ids(database_url, replied):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ledger.db import make_engine
    from ledger.models import Item, Source

    engine = make_engine(database_url)
    found = {}
    with Session(engine) as session:
        for slug, ids in replied.items():
            rows = session.scalars(
                select(Item.external_id)
                .join(Source)
                .where(Source.slug == slug, Item.external_id.in_(ids), Item.replied_at.is_not(None))
            )
            found[slug] = set(rows)
    engine.dispose()
    return found
