"""建议提案: whether the 复文 may go to review (every 协办 opinion in, or its month over).

Apart from ledger.workflow.proposals.steps so that the workbench's own submit (ledger.workflow.handling)
applies the same check: a 复文 submitted from either page waits for the 协办 opinions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import Item, Proposal
from ledger.workflow.guards import WorkflowError


def missing_opinions(proposal: Proposal, now: datetime) -> tuple[list[str], list[str]]:
    """(处室 whose opinion is missing and still due, 处室 whose opinion is missing and overdue)."""
    waiting = [c for c in proposal.cohandlers if c.opinion is None]
    return (
        [c.department.name for c in waiting if now <= c.due_at],
        [c.department.name for c in waiting if now > c.due_at],
    )


def check_reply_ready(proposal: Proposal, now: datetime) -> str | None:
    """Refuse a 复文 while a 协办 opinion is still due; note the ones that never came."""
    due, overdue = missing_opinions(proposal, now)
    if due:
        raise WorkflowError(
            f"还未收到{'、'.join(due)}的协办意见（协办时限未到）：请收齐协办意见后再提交复文。"
        )
    return f"逾期未收到{'、'.join(overdue)}的协办意见，主办先行答复" if overdue else None


def check_item_reply_ready(session: Session, item: Item, now: datetime) -> str | None:
    """`check_reply_ready` for an item that is a 建议提案; None for every other item."""
    proposal = session.scalar(select(Proposal).where(Proposal.item_id == item.id))
    return None if proposal is None else check_reply_ready(proposal, now)
