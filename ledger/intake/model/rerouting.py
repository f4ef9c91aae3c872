"""Re-suggest routes for items still waiting at the triage desk (after the model was retrained)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ledger.intake.model.routing import Router
from ledger.intake.pipeline import apply_route, auto_target, suggestions_of
from ledger.models import Item, ItemStatus, Proposal, RoutingDecision


@dataclass(frozen=True)
class RerouteSummary:
    examined: int
    changed: int
    auto_routed: int


def reroute_waiting(
    session: Session,
    router: Router,
    department_ids: dict[str, int],
    progress: Callable[[int, int], None] | None = None,
) -> RerouteSummary:
    """Refresh suggestions of 待分办 items; confident ones are routed as intake would route them,
    except a 建议提案 that a 处室 sent back: it only gets fresh suggestions and waits for a person."""
    waiting = (Item.status == ItemStatus.NEW, Item.department_id.is_(None))
    items = session.scalars(select(Item).where(*waiting)).all()
    held = _sent_back_proposals(session, waiting)
    changed = auto = 0
    for n, item in enumerate(items, start=1):
        result = router.route(item.title, item.body)
        if item.id in held:
            result = replace(result, auto=False)
        routed = auto_target(result, department_ids) is not None
        if routed or suggestions_of(result) != item.suggestions:
            apply_route(session, item, result, department_ids, "system", refresh=True)
            changed += 1
            auto += routed
        if progress:
            progress(n, len(items))
    session.flush()
    return RerouteSummary(examined=len(items), changed=changed, auto_routed=auto)


def _sent_back_proposals(session: Session, waiting: Sequence[ColumnElement[bool]]) -> set[int]:
    """Item ids of the waiting 建议提案 that a 处室 has sent back (退回分办).

    Any 退回 counts, not only the last routing step: a re-suggestion adds a later step, and the
    next retraining must not route the proposal because of it. Who answers for a proposal (its
    主办, with clocks and 协办) is the 分办员's call once its 主办 refused it.
    """
    stmt = (
        select(Proposal.item_id)
        .join(Item, Item.id == Proposal.item_id)
        .join(RoutingDecision, RoutingDecision.item_id == Proposal.item_id)
        .where(*waiting, RoutingDecision.method == "returned")
        .distinct()
    )
    return set(session.scalars(stmt))
