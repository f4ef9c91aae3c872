"""A 建议提案's 主办 follows its item's 处室.

The item's 处室 drafts the 复文; the proposal's 主办 is the 处室 that answers for it (clocks, 复文,
面商, reminders). They must be the same 处室, so every path that gives an item in the ledger to a
处室 — triage 确认分办, 转办 and 批量确认 (ledger.workflow.triage) and the re-suggestion after
retraining (ledger.intake.model.rerouting) — calls `lead_follows_item` right where it sets the 处室.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.models import Department, Item, Proposal, User


def lead_follows_item(
    session: Session, item: Item, actor: str | User, *, now: datetime | None = None
) -> Proposal | None:
    """Make the item's 处室 its proposal's 主办 (if the item is a 建议提案 and the 主办 differs);
    the change is an audit event on the item with before/after. Returns the proposal changed."""
    if item.department_id is None:
        return None  # back at the triage desk: the 主办 stays until another 处室 takes it
    proposal = session.scalar(select(Proposal).where(Proposal.item_id == item.id))
    if proposal is None or proposal.lead_department_id == item.department_id:
        return None
    lead = session.get(Department, item.department_id)
    assert lead is not None
    before: dict[str, Any] = {"主办": proposal.lead_department.name, "协办": _names(proposal)}
    # A 协办 that becomes the 主办 stops being a 协办: its opinion was owed to the 主办, now
    # itself. Its row goes — and with it the opinion clock, the reminders and the 复文's wait for
    # it; an opinion it already gave stays in the history: whole in this event, as it was in the
    # earlier 协办意见 event. The old 主办 does not become a 协办 (the 交办机关 names 协办).
    share = next((c for c in proposal.cohandlers if c.department_id == lead.id), None)
    kept: dict[str, Any] = {}
    if share is not None:
        if share.opinion is not None:
            kept = {"原协办意见": share.opinion}
            if share.opinion_at is not None:
                kept["原协办意见时间"] = share.opinion_at.astimezone(SHANGHAI).isoformat()
        proposal.cohandlers.remove(share)
    proposal.lead_department_id = lead.id
    proposal.lead_department = lead
    record_event(
        session,
        item,
        actor,
        "主办处室变更",
        before=before,
        after={"主办": lead.name, "协办": _names(proposal), **kept},
        note=f"{lead.name}原为协办处室，改任主办，不再协办" if share is not None else None,
        at=now,
    )
    return proposal


def _names(proposal: Proposal) -> str | None:
    return "、".join(c.department.name for c in proposal.cohandlers) or None
