"""人大建议/政协提案: the proposal's registration (1:1 with its ledger item), its 协办 处室 and
their opinions, and the 面商/沟通 records. The 复文 is the item's staff reply (reviewed as usual);
the item's own deadline is the 主办's 3-month clock."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db import Base
from ledger.models.items import Item
from ledger.models.org import Department, User, utcnow
from ledger.types import labelled_enum


class ProposalKind(StrEnum):
    NPC = "人大建议"
    CPPCC = "政协提案"

    @property
    def member(self) -> str:
        """What the proposer is called: 代表 for 人大, 委员 for 政协."""
        return "代表" if self is ProposalKind.NPC else "委员"


class Satisfaction(StrEnum):
    SATISFIED = "满意"
    BASIC = "基本满意"
    UNSATISFIED = "不满意"  # reopens the item for 再次办理


class ContactForm(StrEnum):
    MEETING = "面商"
    PHONE = "电话"
    WRITTEN = "书面"


class Proposal(Base):
    __tablename__ = "proposal"
    __table_args__ = (UniqueConstraint("year", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), unique=True)
    kind: Mapped[ProposalKind] = mapped_column(labelled_enum(ProposalKind, 10))
    year: Mapped[int] = mapped_column(Integer, index=True)
    batch: Mapped[str] = mapped_column(String(40))  # 批次, e.g. 第一批
    number: Mapped[str] = mapped_column(String(40))  # 建议/提案 number as assigned
    # The representative/member in full: staff need it for 面商. Lists, exports and the published
    # summary show it masked (ledger.masking.mask_name) or not at all.
    proposer: Mapped[str] = mapped_column(String(120))
    assigning_body: Mapped[str] = mapped_column(String(120), default="")  # 交办机关
    assigned_at: Mapped[datetime]  # 交办; also the item's received_at
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    not_ours_due_at: Mapped[datetime]
    not_ours_explanation: Mapped[list[str]] = mapped_column(JSON, default=list)
    not_ours_reported_at: Mapped[datetime | None]
    not_ours_reason: Mapped[str | None] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer, default=1)  # 再次办理 after 不满意: 2, 3, ...
    satisfaction: Mapped[Satisfaction | None] = mapped_column(labelled_enum(Satisfaction, 10))
    satisfaction_at: Mapped[datetime | None]
    reply_files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # 复文 files
    published_at: Mapped[datetime | None]  # 办理情况 published on the website
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship()
    lead_department: Mapped[Department] = relationship()
    cohandlers: Mapped[list[ProposalCoHandler]] = relationship(
        back_populates="proposal", order_by="ProposalCoHandler.id", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[ProposalContact]] = relationship(
        back_populates="proposal", order_by="ProposalContact.at", cascade="all, delete-orphan"
    )


class ProposalCoHandler(Base):
    """One 协办 处室 of a proposal: its opinion is due to the 主办 within a month of 交办."""

    __tablename__ = "proposal_cohandler"
    __table_args__ = (UniqueConstraint("proposal_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    due_at: Mapped[datetime]
    explanation: Mapped[list[str]] = mapped_column(JSON, default=list)
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_at: Mapped[datetime | None]
    opinion_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    proposal: Mapped[Proposal] = relationship(back_populates="cohandlers")
    department: Mapped[Department] = relationship()
    opinion_by: Mapped[User | None] = relationship()


class ProposalContact(Base):
    """A 面商/沟通 with the representative or member: when, how, who took part, what was said."""

    __tablename__ = "proposal_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    at: Mapped[datetime]
    form: Mapped[ContactForm] = mapped_column(labelled_enum(ContactForm, 10))
    participants: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="contacts")
