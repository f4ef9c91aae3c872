"""The duplicate index: each item's MinHash signature, its LSH band keys, and the candidate pairs
found at intake (ledger.intake.duplicates), so no page computes similarities.

duplicate_band and duplicate_candidate hold item ids without a foreign key: PostgreSQL checked
each of their rows (about 50 per item) against item, most of the server's intake CPU. Only
ledger.intake.duplicates writes them, for items of its own transaction, and a trigger on item
deletes them with their item (migration dupe_no_fk)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base


class ItemSignature(Base):
    """An item's signature (compact bytes) and the content hash it was made from: an unchanged
    item is not signed again."""

    __tablename__ = "item_signature"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("item.id", ondelete="CASCADE"), primary_key=True
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(256))


class DuplicateBand(Base):
    """One LSH band key of an item's signature: items sharing a key are candidates (an index
    range read per key, so the index is never rebuilt from all items)."""

    __tablename__ = "duplicate_band"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True)  # an item's id: see below

    __table_args__ = (Index("ix_duplicate_band_item", "item_id"),)


class DuplicateCandidate(Base):
    """`candidate` looks like `item` (exact bigram Jaccard `score`); stored in both directions."""

    __tablename__ = "duplicate_candidate"

    item_id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    found_at: Mapped[datetime]

    __table_args__ = (Index("ix_duplicate_candidate_candidate", "candidate_id"),)
