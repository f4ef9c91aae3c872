"""Sources, items (the 台账 rows), replies and clock adjustments (pauses, extensions, restarts)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ledger.clock.deadlines import EventKind
from ledger.db import Base
from ledger.models.org import Department, User, utcnow
from ledger.states import AdjustmentStatus, ItemStatus, ReplyStatus, lifecycle_for
from ledger.types import labelled_enum

if TYPE_CHECKING:
    from ledger.models.disclosure_requests import DisclosureRequest


class Source(Base):
    """A configured channel: a crawled site, the 12345 feed, or manual entry."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))  # 留言板 / 领导信箱 / 12345 / 人工录入
    base_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    last_crawled_at: Mapped[datetime | None]


class Item(Base):
    """One message in the 台账, whatever channel it came from."""

    __tablename__ = "item"
    # The list filters' and work queues' indexes (migration 0008 explains each). The supervision
    # board's covering index and the PostgreSQL bigram search index differ by database and live in
    # the migrations only (ledger.schema.MIGRATION_ONLY_INDEXES).
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        Index("ix_item_received_id", "received_at", "id"),
        Index("ix_item_department_received", "department_id", "received_at", "id"),
        Index("ix_item_status_received", "status", "received_at", "id"),
        Index("ix_item_source_received", "source_id", "received_at", "id"),
        Index("ix_item_type_received", "item_type", "received_at", "id"),
        Index("ix_item_status_due", "status", "due_at", "id"),
        Index("ix_item_department_status_due", "department_id", "status", "due_at", "id"),
        Index("ix_item_duplicate_of_id", "duplicate_of_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    external_id: Mapped[str] = mapped_column(String(120))
    url: Mapped[str | None] = mapped_column(String(1000))
    item_type: Mapped[str] = mapped_column(String(40))  # deadline rule key
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    author_masked: Mapped[str | None] = mapped_column(String(120))
    request_kind: Mapped[str | None] = mapped_column(String(20))
    urgency: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(index=True)
    dispatched_at: Mapped[datetime | None]
    source_status: Mapped[str | None] = mapped_column(String(40))
    source_due_at: Mapped[datetime | None]
    likes: Mapped[int | None] = mapped_column(Integer)
    satisfaction: Mapped[str | None] = mapped_column(String(40))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))

    status: Mapped[ItemStatus] = mapped_column(
        labelled_enum(ItemStatus, 20), default=ItemStatus.NEW, index=True
    )
    priority: Mapped[str] = mapped_column(String(10), default="普通")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    route_confidence: Mapped[float | None]
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk_level: Mapped[str | None] = mapped_column(String(10))
    risk_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))

    due_at: Mapped[datetime | None] = mapped_column(index=True)
    warn_at: Mapped[datetime | None]
    deadline_explanation: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)

    replied_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic locking: a stale UPDATE raises StaleDataError instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)

    source: Mapped[Source] = relationship()
    department: Mapped[Department | None] = relationship()
    duplicate_of: Mapped[Item | None] = relationship(remote_side=[id])
    replies: Mapped[list[Reply]] = relationship(back_populates="item", order_by="Reply.id")
    clock_adjustments: Mapped[list[ClockAdjustment]] = relationship(
        back_populates="item", order_by="ClockAdjustment.id"
    )
    # 依申请公开 only: the applicant and the Art. 36 reply (ledger.models.disclosure_requests)
    disclosure_request: Mapped[DisclosureRequest | None] = relationship(back_populates="item")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_enum(self) -> ItemStatus:
        return ItemStatus(self.status)

    @validates("status")
    def _check_transition(self, key: str, value: str) -> ItemStatus:
        """Every status change must be in the item type's lifecycle (ledger.states)."""
        new = ItemStatus(value)
        # A loaded item's current status (loading it first if expired); None while being created.
        old = self.status if inspect(self).has_identity else self.__dict__.get("status")
        lifecycle_for(self.__dict__.get("item_type")).check(old, new)
        return new


class Reply(Base):
    """A reply: drafted by staff and reviewed, or seen published on the source system."""

    __tablename__ = "reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    origin: Mapped[str] = mapped_column(String(10))  # "staff" | "source"
    status: Mapped[ReplyStatus] = mapped_column(labelled_enum(ReplyStatus, 10))
    unit: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    item: Mapped[Item] = relationship(back_populates="replies")
    revisions: Mapped[list[ReplyRevision]] = relationship(
        back_populates="reply", order_by="ReplyRevision.id", cascade="all, delete-orphan"
    )


class ReplyRevision(Base):
    """One text of a staff reply as saved, and who wrote it.

    A new revision is recorded only when the text changes: saving someone else's text unchanged
    does not make it yours. The four-eyes rule (review.approve) reads authorship from here, not
    from whoever saved last.
    """

    __tablename__ = "reply_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("reply.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reply: Mapped[Reply] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


class ClockAdjustment(Base):
    """A recorded change to an item's clock: pause/resume (补正, 第三方意见), extension, restart."""

    __tablename__ = "clock_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(String(10))  # pause | resume | extend | restart
    at: Mapped[datetime]
    amount: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AdjustmentStatus] = mapped_column(
        labelled_enum(AdjustmentStatus, 10), default=AdjustmentStatus.APPROVED
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(back_populates="clock_adjustments")
