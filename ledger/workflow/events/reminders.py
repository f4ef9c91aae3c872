"""Reminders for 舆情事件 near or past their response clock: 临期 from the warning time (12 h before
a 48 h clock, 6 h before a 24 h one, per data/deadline_rules.toml), 超时 once past it. Each is sent
once per event and due time (a unique log row), to the roles that receive 舆情 proposals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.masking import mask_personal_data
from ledger.models import EventReminder, OpinionEvent, User, UserRole
from ledger.workflow.events.config import EventConfig
from ledger.workflow.events.reads import events_on_clock
from ledger.workflow.notices import notify


def remind_events(session: Session, now: datetime, config: EventConfig) -> list[tuple[int, str]]:
    """Send the due 临期/超时 reminders; returns (event id, kind) for each one sent now."""
    due_soon, overdue = events_on_clock(session, now)
    users = session.scalars(
        select(User).where(
            User.role_rows.any(UserRole.role.in_([r.value for r in config.notify_roles])),
            User.active,
        )
    ).all()
    sent: list[tuple[int, str]] = []
    for kind, events in (("临期", due_soon), ("超时", overdue)):
        for event in events:
            if _send(session, event, kind, list(users), now):
                sent.append((event.id, kind))
    return sent


def _send(
    session: Session, event: OpinionEvent, kind: str, users: list[User], now: datetime
) -> bool:
    log = EventReminder(
        event_id=event.id,
        kind=kind,
        due_at=event.due_at,
        sent_at=now,
        recipients=[u.username for u in users],
    )
    try:
        with session.begin_nested():
            session.add(log)
            session.flush()
    except IntegrityError:
        return False  # sent already (by this or another process)
    due = event.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    title = mask_personal_data(event.title)
    if kind == "临期":
        text = f"舆情事件「{title}」（{event.level}）须在 {due} 前回应，尚未记录回应，请抓紧。"
    else:
        text = (
            f"舆情事件「{title}」（{event.level}）回应时限 {due} 已过，尚未记录回应，请立即处理。"
        )
    notify(session, users, None, "督办" if kind == "超时" else "催办", text, now)
    row = record_event(
        session, None, "system", f"舆情{kind}提醒", after={"时限": due}, note=text, at=now
    )
    row.opinion_event_id = event.id
    return True
