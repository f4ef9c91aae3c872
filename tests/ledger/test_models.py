"""Model-level guarantees: aware UTC times on every backend, optimistic locking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ledger.db import make_session_factory
from ledger.models import Item, Source


def _item(session: Session, received: datetime) -> Item:
    source = Source(slug=f"s-{received.timestamp()}", name="测试", channel="留言板")
    item = Item(
        source=source,
        external_id="X1",
        item_type="message_board",
        title="标题",
        body="正文",
        received_at=received,
        content_hash="h",
    )
    session.add(item)
    session.flush()
    return item


def test_datetimes_round_trip_as_aware_utc(session: Session) -> None:
    received = datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=8)))
    item = _item(session, received)
    session.expire_all()
    loaded = session.scalars(select(Item).where(Item.id == item.id)).one()
    assert loaded.received_at.tzinfo is not None
    assert loaded.received_at == received
    assert loaded.received_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(session: Session) -> None:
    with pytest.raises(Exception, match="naive"):
        _item(session, datetime(2026, 1, 1, 12, 0))


def test_concurrent_edit_is_detected_not_overwritten(database_url: str) -> None:
    """Two sessions hold the same row; the later write fails instead of overwriting."""
    from ledger.db import make_engine

    engine: Engine = make_engine(database_url)
    factory = make_session_factory(engine)  # expire_on_commit=False: objects keep what was read
    with factory.begin() as s:
        item_id = _item(s, datetime(2026, 3, 1, tzinfo=UTC)).id
    first, second = factory(), factory()
    a = first.get(Item, item_id)
    first.commit()  # end the read: SQLite allows one writer at a time
    b = second.get(Item, item_id)
    assert a is not None and b is not None and a.version == b.version == 1
    b.priority = "紧急"
    second.commit()
    a.priority = "加急"
    with pytest.raises(StaleDataError):
        first.commit()
    first.rollback()
    with factory() as s:
        stored = s.get(Item, item_id)
        assert stored is not None and stored.priority == "紧急" and stored.version == 2
    first.close()
    second.close()
    engine.dispose()
