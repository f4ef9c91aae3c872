"""Reading 舆情事件: the response clock's state (剩余/超时 hours), lists, the board's due and overdue
events, and the linked items a user may see (per-处室 visibility, like every item query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.models import Item, OpinionEvent, User
from ledger.models.events import event_item
from ledger.queries import visible_items
from ledger.states import OPINION_EVENT


@dataclass(frozen=True)
class ClockState:
    """What the events list and board show: 剩余/超时 hours, or how the response went."""

    state: str  # 正常 | 黄牌 | 超时 | 按时回应 | 超时回应 | 办结
    label: str  # e.g. "剩余 23 小时 10 分", "超时 2 小时 5 分", "已回应（用时 3 小时 0 分）"
    due_local: str  # due time, Beijing time


def _span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    return f"{minutes // 60} 小时 {minutes % 60} 分"


def clock_state(event: OpinionEvent, now: datetime) -> ClockState:
    due_local = event.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    answered = event.first_response_at
    if answered is not None:
        took = _span(answered - event.first_seen_at)
        if answered <= event.due_at:
            return ClockState("按时回应", f"已回应（用时 {took}）", due_local)
        late = _span(answered - event.due_at)
        return ClockState("超时回应", f"已回应，超时 {late}（用时 {took}）", due_local)
    if event.status not in OPINION_EVENT.clock_running:
        return ClockState("办结", "办结（研判后未回应）", due_local)
    if now > event.due_at:
        return ClockState("超时", f"超时 {_span(now - event.due_at)}", due_local)
    state = "黄牌" if now >= event.warn_at else "正常"
    return ClockState(state, f"剩余 {_span(event.due_at - now)}", due_local)


def visible_linked_items(
    session: Session, user: User, event: OpinionEvent
) -> tuple[list[Item], int]:
    """The event's items `user` may see, and how many others are linked but hidden from them."""
    ids = [i.id for i in event.items]
    if not ids:
        return [], 0
    shown = list(
        session.scalars(
            visible_items(user).where(Item.id.in_(ids)).order_by(Item.received_at, Item.id)
        )
    )
    return shown, len(ids) - len(shown)


def list_events(session: Session, status: str | None = None) -> list[OpinionEvent]:
    stmt = select(OpinionEvent).order_by(OpinionEvent.first_seen_at.desc(), OpinionEvent.id.desc())
    if status:
        stmt = stmt.where(OpinionEvent.status == status)
    return list(session.scalars(stmt))


def events_on_clock(
    session: Session, now: datetime
) -> tuple[list[OpinionEvent], list[OpinionEvent]]:
    """(due soon, overdue): events still waiting for their first response, by due time."""
    waiting = session.scalars(
        select(OpinionEvent)
        .where(
            OpinionEvent.status.in_(sorted(OPINION_EVENT.clock_running)),
            OpinionEvent.first_response_at.is_(None),
        )
        .order_by(OpinionEvent.due_at, OpinionEvent.id)
    ).all()
    overdue = [e for e in waiting if now > e.due_at]
    due_soon = [e for e in waiting if e.warn_at <= now <= e.due_at]
    return due_soon, overdue


def events_of_item(session: Session, item_id: int) -> list[OpinionEvent]:
    return list(
        session.scalars(
            select(OpinionEvent)
            .join(event_item, event_item.c.event_id == OpinionEvent.id)
            .where(event_item.c.item_id == item_id)
            .order_by(OpinionEvent.first_seen_at)
        )
    )
