"""Re-suggest routes for items still waiting at the triage desk (after the model was retrained)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.models import Item, ItemStatus, RoutingDecision
from ledger.routing import Router


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
    """Refresh suggestions of 待分办 items; confident ones are routed as intake would route them."""
    items = session.scalars(
        select(Item).where(Item.status == ItemStatus.NEW, Item.department_id.is_(None))
    ).all()
    changed = auto = 0
    for n, item in enumerate(items, start=1):
        result = router.route(item.title, item.body)
        suggestions = [
            {"code": s.department_code, "confidence": s.confidence} for s in result.suggestions
        ]
        best = result.best
        routed_to = (
            department_ids.get(best.department_code)
            if result.auto and best and best.department_code != "not_ours"
            else None
        )
        if suggestions != item.suggestions or routed_to:
            before = {"建议": item.suggestions}
            item.suggestions = suggestions
            item.route_confidence = best.confidence if best else None
            item.topics, item.risk_level = list(result.topics), result.risk_level
            item.risk_reasons = list(result.risk_reasons)
            if routed_to:
                item.department_id, item.status = routed_to, ItemStatus.IN_PROGRESS
                auto += 1
            session.add(
                RoutingDecision(
                    item_id=item.id,
                    department_id=routed_to,
                    method=result.method,
                    confidence=item.route_confidence,
                    suggestions=suggestions,
                    reason="重新分办建议" if not routed_to else "模型更新后自动分办",
                )
            )
            record_event(
                session,
                item,
                "system",
                "自动分办" if routed_to else "分办建议更新",
                before=before,
                after={"建议": suggestions},
            )
            changed += 1
        if progress:
            progress(n, len(items))
    session.flush()
    return RerouteSummary(examined=len(items), changed=changed, auto_routed=auto)
