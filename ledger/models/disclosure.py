"""依申请→主动公开 candidates the analyst decided on: accepted, dismissed, published."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db import Base
from ledger.models.org import Department, User, utcnow


class CandidateStatus(StrEnum):
    ACCEPTED = "已采纳"  # a 处室 will publish the answer by `due_on`
    DISMISSED = "不予公开"
    PUBLISHED = "已公开"


class DisclosureCandidate(Base):
    """A recurring request for information and the decision on publishing its answer.

    `key` identifies the question across months (subject and kind of document), so a later month's
    look-alike is shown against the decision instead of being proposed again.
    """

    __tablename__ = "disclosure_candidate"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(120))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    month: Mapped[str] = mapped_column(String(7))  # the month it was decided on (YYYY-MM)
    evidence_item_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    senders: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    due_on: Mapped[date | None]
    reason: Mapped[str | None] = mapped_column(Text)
    publication_url: Mapped[str | None] = mapped_column(String(1000))
    published_on: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)

    department: Mapped[Department | None] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
