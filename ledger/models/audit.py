"""The audit trail: every change is an event row; routing decisions are kept as history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base
from ledger.models.org import utcnow


class Event(Base):
    """Who did what to which item, when, with the values before and after."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_item_at", "item_id", "id"),)  # an item's history in order

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))  # username, "crawler:<source>", "system"
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    # set for changes to a 舆情事件 (ledger.workflow.events.steps); item_id then names a linked item or none
    opinion_event_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_event.id"), index=True)


class RoutingDecision(Base):
    """A suggested, confirmed or corrected route; confirmed/corrected ones are training examples."""

    __tablename__ = "routing_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    method: Mapped[str] = mapped_column(String(20))  # model | keyword | confirmed | corrected
    confidence: Mapped[float | None]
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    is_training_example: Mapped[bool] = mapped_column(default=False)
