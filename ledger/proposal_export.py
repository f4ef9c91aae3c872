"""The 建议提案 columns of the Excel 台账: empty for other item types. The proposer is masked
(mask_name); the export masks every text cell again on its way out."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ledger.masking import mask_name
from ledger.models import Item, Proposal, ProposalCoHandler

ITEM_TYPE = "proposal"
COLUMNS = (
    ("建议提案类别", 10),
    ("批次", 12),
    ("建议提案编号", 10),
    ("代表委员", 10),
    ("协办处室", 20),
    ("协办意见", 12),
)
EMPTY = [""] * len(COLUMNS)


def cells(session: Session, item: Item) -> list[object]:
    """One query per proposal row only: other items get empty cells without touching the DB."""
    if item.item_type != ITEM_TYPE:
        return list(EMPTY)
    p = session.scalar(
        select(Proposal)
        .where(Proposal.item_id == item.id)
        .options(selectinload(Proposal.cohandlers).joinedload(ProposalCoHandler.department))
    )
    if p is None:
        return list(EMPTY)
    received = sum(c.opinion_at is not None for c in p.cohandlers)
    return [
        p.kind.value,
        f"{p.year}年{p.batch}",
        p.number,
        mask_name(p.proposer) or "",
        "、".join(c.department.name for c in p.cohandlers),
        f"已收 {received}/{len(p.cohandlers)}" if p.cohandlers else "",
    ]
