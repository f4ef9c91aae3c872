"""An item's deadline: compute it from its rule, receipt time and recorded clock adjustments."""

from __future__ import annotations

from datetime import datetime

from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import ClockEvent, DeadlineResult, RuleBook, compute_deadline
from ledger.models import AdjustmentStatus, Item


def clock_events(item: Item) -> list[ClockEvent]:
    """Approved adjustments only: a requested extension does not move the deadline until approved."""
    return [
        ClockEvent(kind=a.kind, at=a.at, amount=a.amount, reason=a.reason)
        for a in item.clock_adjustments
        if a.status == AdjustmentStatus.APPROVED
    ]


def apply_deadline(item: Item, rules: RuleBook, calendar: WorkingCalendar) -> DeadlineResult:
    """Recompute and store due/warn times and the explanation shown to staff."""
    result = compute_deadline(
        rules.get(item.item_type),
        item.received_at,
        calendar,
        clock_events(item),
        source_due_at=item.source_due_at,
    )
    item.due_at = result.due_at
    item.warn_at = result.warn_at
    item.deadline_explanation = result.explain()
    item.deadline_warnings = list(result.warnings)
    return result


def deadline_if_extended(
    item: Item, rules: RuleBook, calendar: WorkingCalendar, amount: int, at: datetime
) -> DeadlineResult:
    """The deadline the item would have if an extension of `amount` asked at `at` (or the one
    pending) were approved: what the extension form previews and the reviewer sees."""
    events = [*clock_events(item), ClockEvent(kind="extend", at=at, amount=amount)]
    return compute_deadline(
        rules.get(item.item_type),
        item.received_at,
        calendar,
        sorted(events, key=lambda e: e.at),
        source_due_at=item.source_due_at,
    )
