"""The 编号 of a hand-entered item and the form that entered it (ledger.intake.manual.entry_numbers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base
from ledger.models.org import utcnow


class EntryNumber(Base):
    """A manual entry's 编号 (RG-20261202-0001) and its form's token, both unique, claimed before
    the item is written: a form registers one item, and two staff entering at the same moment get
    two numbers. Items entered before the numbering keep their RG-<token> 编号 (backfilled)."""

    __tablename__ = "entry_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[str] = mapped_column(String(120), unique=True)  # the item's external_id
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("item.id"), unique=True
    )  # set once written
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
