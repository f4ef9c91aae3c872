"""In-app notices (催办, 督办, 分办, 审核 results) and the reminder log that makes each reminder go once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db import Base
from ledger.models.org import utcnow

if TYPE_CHECKING:
    from ledger.models.items import Item


class Notice(Base):
    """A message to one user, shown in the app (and possibly also emailed)."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_user_read", "user_id", "read_at"),)  # unread per user

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # 催办 / 督办 / 分办 / 审核 / 退回
    text: Mapped[str] = mapped_column(Text)
    # A reminder digest (one notice per recipient per run) lists its items here:
    # [{"item_id", "external_id", "kind", "level", "text"}, ...]
    entries: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    item: Mapped[Item | None] = relationship()


class ReminderLog(Base):
    """One automatic reminder sent for one item at one level for one due time: sent once only.

    A new due time (after an approved extension) allows the reminders to go again.
    """

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("item_id", "kind", "level", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # 催办 | 督办
    level: Mapped[int] = mapped_column(Integer, default=0)  # 督办 chain level (0 for 催办)
    level_name: Mapped[str] = mapped_column(String(40), default="")
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    emailed: Mapped[int] = mapped_column(Integer, default=0)  # number of e-mails accepted by SMTP
