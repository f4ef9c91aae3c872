"""Writing audit events: every change to an item is a row with actor, time, before and after."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ledger.models import Event, Item, User


def record_event(
    session: Session,
    item: Item | None,
    actor: str | User,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Event:
    user = actor if isinstance(actor, User) else None
    event = Event(
        item_id=item.id if item is not None else None,
        actor=user.username if user else str(actor),
        actor_user_id=user.id if user else None,
        action=action,
        before=before,
        after=after,
        note=note,
        at=at or datetime.now(UTC),
    )
    session.add(event)
    return event
