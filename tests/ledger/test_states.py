"""States as data: every status change is checked against the item type's transition table."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import Item, ItemStatus, Source
from ledger.states import LIFECYCLES, WORK_ITEM, IllegalTransition, Lifecycle, lifecycle_for

ALL_LIFECYCLES = [WORK_ITEM, *LIFECYCLES.values()]
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _item(session: Session, lifecycle: Lifecycle, status: ItemStatus, n: int) -> Item:
    """A stored item of a type using `lifecycle`, walked to `status` along allowed moves."""
    source = session.scalar(select(Source).where(Source.slug == "states"))
    if source is None:
        source = Source(slug="states", name="状态测试", channel="人工录入")
        session.add(source)
    item_type = next((t for t, lc in LIFECYCLES.items() if lc is lifecycle), "留言")
    (start,) = sorted(lifecycle.initial)
    item = Item(
        item_type=item_type,
        source=source,
        external_id=f"s-{n}",
        title="状态",
        body="正文",
        received_at=NOW,
        content_hash="0" * 64,
        status=start,
    )
    session.add(item)
    session.flush()
    for step in _path(lifecycle, start, status):
        item.status = step
    session.flush()
    return item


def _path(lifecycle: Lifecycle, start: ItemStatus, goal: ItemStatus) -> list[ItemStatus]:
    """Shortest list of moves from start to goal (breadth first over the table)."""
    paths = {start: [start]}
    frontier = [start]
    while frontier and goal not in paths:
        nxt = []
        for status in frontier:
            for after in sorted(lifecycle.transitions.get(status, ())):
                if after not in paths:
                    paths[after] = [*paths[status], after]
                    nxt.append(after)
        frontier = nxt
    assert goal in paths, f"{goal} cannot be reached in {lifecycle.name}"
    return paths[goal][1:]


@pytest.mark.parametrize("lifecycle", ALL_LIFECYCLES, ids=lambda lc: lc.name)
def test_table_is_complete_and_consistent(lifecycle: Lifecycle) -> None:
    states = lifecycle.all_states
    assert lifecycle.open.isdisjoint(lifecycle.answered | lifecycle.closed)
    assert lifecycle.answered.isdisjoint(lifecycle.closed)
    assert lifecycle.clock_running <= lifecycle.open
    assert lifecycle.initial <= states
    assert set(lifecycle.transitions) == states, "every status has a row, terminal ones empty"
    for after in lifecycle.transitions.values():
        assert after <= states
    # Every enum member a lifecycle uses is reachable from its start.
    for status in states:
        _path(lifecycle, sorted(lifecycle.initial)[0], status)


@pytest.mark.parametrize("lifecycle", ALL_LIFECYCLES, ids=lambda lc: lc.name)
def test_only_the_tables_moves_are_accepted(session: Session, lifecycle: Lifecycle) -> None:
    """Walk every (from, to) pair on a stored item: allowed moves stick, all others raise."""
    pairs = itertools.product(sorted(lifecycle.all_states), repeat=2)
    for n, (old, new) in enumerate(pairs):
        item = _item(session, lifecycle, old, n)
        allowed = old == new or new in lifecycle.transitions[old]
        if allowed:
            item.status = new
            session.flush()
            session.refresh(item)
            assert item.status is new
        else:
            with pytest.raises(IllegalTransition, match="不允许"):
                item.status = new
            assert item.status is old
    # An expired item's stored status is re-read before the check, not taken as "new item".
    item = _item(session, lifecycle, sorted(lifecycle.initial)[0], 10_000)
    terminal = next(s for s, after in lifecycle.transitions.items() if not after)
    for step in _path(lifecycle, item.status, terminal):
        item.status = step
    session.commit()
    session.expire(item)
    with pytest.raises(IllegalTransition, match=f"从「{terminal}」"):
        item.status = sorted(lifecycle.initial)[0]


def test_new_items_start_in_an_initial_status(session: Session) -> None:
    with pytest.raises(IllegalTransition, match="新建"):
        Item(item_type="留言", status=ItemStatus.REPLIED)


def test_stored_values_are_the_chinese_labels(session: Session) -> None:
    """No data migration: the column still holds the label staff see, and reads back as the enum."""
    item = _item(session, WORK_ITEM, ItemStatus.IN_PROGRESS, 0)
    session.commit()
    raw = session.connection().exec_driver_sql(f"SELECT status FROM item WHERE id = {item.id}")
    assert raw.scalar_one() == "办理中"
    assert session.scalar(select(Item.status).where(Item.id == item.id)) is ItemStatus.IN_PROGRESS
    assert session.scalar(select(Item).where(Item.status == "办理中")) is item


def test_unknown_types_use_the_work_item_table() -> None:
    assert lifecycle_for("留言") is WORK_ITEM
    assert lifecycle_for(None) is WORK_ITEM
    assert ItemStatus.PAUSED.is_open and not ItemStatus.MERGED.is_open
