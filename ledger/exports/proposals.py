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
    """Other items get empty cells without touching the DB."""
    if item.item_type != ITEM_TYPE:
        return list(EMPTY)
    return cells_for(session, [item.id]).get(item.id, list(EMPTY))


def cells_for(session: Session, item_ids: list[int]) -> dict[int, list[object]]:
    """The cells of many proposal items in one query (the export asks once per batch of rows)."""
    if not item_ids:
        return {}
    found = session.scalars(
        select(Proposal)
        .where(Proposal.item_id.in_(item_ids))
        .options(selectinload(Proposal.cohandlers).joinedload(ProposalCoHandler.department))
    )
    return {p.item_id: _cells(p) for p in found}


def _cells(p: Proposal) -> list[object]:
    received = sum(c.opinion_at is not None for c in p.cohandlers)
    return [
        p.kind.value,
        f"{p.year}年{p.batch}",
        p.number,
        mask_name(p.proposer) or "",
        "、".join(c.department.name for c in p.cohandlers),
        f"已收 {received}/{len(p.cohandlers)}" if p.cohandlers else "",
    ]
