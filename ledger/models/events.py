"""舆情事件: a public-opinion event with its linked items, responses, follow-up notes and the
proposals (a 重大 item, a burst of similar items) that may open one.

The response clock runs in calendar hours from `first_seen_at` (data/opinion_events.toml maps the
level to a deadline rule: 48 h, 24 h for 重大); `due_at` and `explanation` are stored when the
event is opened or its level changes, like an item's deadline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ledger.db import Base
from ledger.models.items import Item
from ledger.models.org import User, utcnow
from ledger.states import OPINION_EVENT, EventStatus
from ledger.types import labelled_enum

event_item = Table(
    "opinion_event_item",
    Base.metadata,
    Column("event_id", ForeignKey("opinion_event.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("item.id"), primary_key=True, index=True),
)


class OpinionEvent(Base):
    """One 舆情事件 in the 舆情回应台账."""

    __tablename__ = "opinion_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(10))  # 一般 / 较大 / 重大 (data/opinion_events.toml)
    status: Mapped[EventStatus] = mapped_column(
        labelled_enum(EventStatus, 10), default=EventStatus.FOUND, index=True
    )
    first_seen_at: Mapped[datetime]
    source_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    rule_key: Mapped[str] = mapped_column(String(40))  # the deadline rule the level maps to
    due_at: Mapped[datetime] = mapped_column(index=True)
    warn_at: Mapped[datetime]
    explanation: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closing_summary: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list[Item]] = relationship(secondary=event_item, order_by=Item.received_at)
    responses: Mapped[list[EventResponse]] = relationship(
        back_populates="event", order_by="EventResponse.responded_at"
    )
    notes: Mapped[list[EventNote]] = relationship(back_populates="event", order_by="EventNote.at")
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @validates("status")
    def _check_transition(self, key: str, value: str) -> EventStatus:
        new = EventStatus(value)
        # the loaded status (loading it if expired); None while the event is being created
        old = self.status if inspect(self).has_identity else self.__dict__.get("status")
        OPINION_EVENT.check(old, new)
        return new


class EventResponse(Base):
    """A response: where (渠道), when, what was said, who approved it."""

    __tablename__ = "opinion_event_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("opinion_event.id"), index=True)
    channel: Mapped[str] = mapped_column(String(60))  # 厅门户网站 / 政务微博 / 新闻发布会 / …
    responded_at: Mapped[datetime]
    content: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(60))  # the leader who signed it off
    link: Mapped[str | None] = mapped_column(String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[OpinionEvent] = relationship(back_populates="responses")
    recorded_by: Mapped[User | None] = relationship()


class EventNote(Base):
    """A follow-up note (跟踪): how the matter developed after the response."""

    __tablename__ = "opinion_event_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("opinion_event.id"), index=True)
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    event: Mapped[OpinionEvent] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class EventProposal(Base):
    """A suggestion to the 办公室 that some items may be a 舆情事件.

    `key` makes scanning idempotent: "risk:<item id>" for a 重大 item, "burst:<first item id>" for
    a burst. Decided proposals are kept (opened, linked or dismissed with the reason).
    """

    __tablename__ = "opinion_event_proposal"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))  # 重大事项 | 相似聚集
    reason: Mapped[str] = mapped_column(Text)
    item_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    level: Mapped[str] = mapped_column(String(10))  # suggested level
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(10))  # 已立事件 | 已关联 | 已忽略
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_event.id"))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    decided_by: Mapped[User | None] = relationship()
    event: Mapped[OpinionEvent | None] = relationship()


class EventReminder(Base):
    """One reminder (临期 or 超时) for one event and due time: sent once, like ReminderLog."""

    __tablename__ = "opinion_event_reminder"
    __table_args__ = (UniqueConstraint("event_id", "kind", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("opinion_event.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # 临期 | 超时
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
