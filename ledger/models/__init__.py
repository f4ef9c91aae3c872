"""The ledger's tables. Import models from here; each lives in a module by subject."""

from ledger.models.audit import Event, RoutingDecision
from ledger.models.disclosure import CandidateStatus, DisclosureCandidate
from ledger.models.items import ClockAdjustment, Item, ItemStatus, Reply, ReplyStatus, Source
from ledger.models.notices import Notice, ReminderLog
from ledger.models.org import Department, Role, User

__all__ = [
    "CandidateStatus",
    "DisclosureCandidate",
    "ClockAdjustment",
    "Department",
    "Event",
    "Item",
    "ItemStatus",
    "Notice",
    "Reply",
    "ReminderLog",
    "ReplyStatus",
    "Role",
    "RoutingDecision",
    "Source",
    "User",
]
