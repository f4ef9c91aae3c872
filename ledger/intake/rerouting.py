"""Re-suggest routes for items still waiting at the triage desk (after the model was retrained)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.intake.pipeline import apply_route, auto_target, suggestions_of
from ledger.intake.routing import Router
from ledger.models import Item, ItemStatus


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
        routed = auto_target(result, department_ids) is not None
        if routed or suggestions_of(result) != item.suggestions:
            apply_route(session, item, result, department_ids, "system", refresh=True)
            changed += 1
            auto += routed
        if progress:
            progress(n, len(items))
    session.flush()
    return RerouteSummary(examined=len(items), changed=changed, auto_routed=auto)
