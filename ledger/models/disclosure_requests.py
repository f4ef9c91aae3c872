"""依申请公开 applications (条例 2019): the applicant, 补正 notices, 征求意见/会商 records, the Art. 36
reply and the archive entry. One `DisclosureRequest` per item of type foi_request.

The applicant's name and address are kept here in full because the notices addressed to them
need them; pages and exports show the masked author on the item, and a notice download is audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db import Base
from ledger.models.org import User, utcnow

if TYPE_CHECKING:
    from ledger.models.items import Item


class DisclosureRequest(Base):
    __tablename__ = "disclosure_request"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    applicant_type: Mapped[str] = mapped_column(String(20))  # data/disclosure_requests.toml
    applicant_name: Mapped[str | None] = mapped_column(String(120))
    applicant_address: Mapped[str | None] = mapped_column(String(300))
    reply_type: Mapped[str | None] = mapped_column(String(40))
    reply_ground: Mapped[str | None] = mapped_column(String(200))
    reply_body: Mapped[str | None] = mapped_column(String(200))  # 非本机关负责公开: the right body
    reply_row: Mapped[str | None] = mapped_column(String(40))  # annual-report row, fixed at reply
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None]
    archive_no: Mapped[str | None] = mapped_column(String(60))
    archived_on: Mapped[date | None]
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(back_populates="disclosure_request")
    corrections: Mapped[list[CorrectionNotice]] = relationship(
        back_populates="request", order_by="CorrectionNotice.id"
    )
    consultations: Mapped[list[Consultation]] = relationship(
        back_populates="request", order_by="Consultation.id"
    )

    @property
    def reply_label(self) -> str:
        """The reply as the 台账 shows it: type, then ground or the right body."""
        if self.reply_type is None:
            return "视为撤回" if self.withdrawn_at else ""
        detail = self.reply_ground or self.reply_body
        return f"{self.reply_type}（{detail}）" if detail else self.reply_type

    @property
    def concluded_at(self) -> datetime | None:
        """When the application left our hands (answered or deemed withdrawn)."""
        return self.replied_at or self.withdrawn_at


class CorrectionNotice(Base):
    """补正告知 (Art. 30): what to complete and by when; once per application."""

    __tablename__ = "disclosure_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("disclosure_request.item_id"), index=True)
    issued_at: Mapped[datetime]
    to_complete: Mapped[str] = mapped_column(Text)
    answer_by: Mapped[date]  # the applicant's last day (Asia/Shanghai)
    completed_at: Mapped[datetime | None]
    completed_note: Mapped[str | None] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[DisclosureRequest] = relationship(back_populates="corrections")


class Consultation(Base):
    """征求第三方意见 (Art. 32, the clock pauses) or 会商 with another body (it does not)."""

    __tablename__ = "disclosure_consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("disclosure_request.item_id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # 征求第三方意见 | 会商
    party: Mapped[str] = mapped_column(String(200))  # who was asked
    asked_at: Mapped[datetime]
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[DisclosureRequest] = relationship(back_populates="consultations")
    recorded_by: Mapped[User | None] = relationship()
