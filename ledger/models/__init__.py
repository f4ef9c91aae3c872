"""The ledger's tables. Import models from here; each lives in a module by subject."""

from ledger.models.audit import Event, RoutingDecision
from ledger.models.disclosure import CandidateStatus, DisclosureCandidate
from ledger.models.duplicates import DuplicateBand, DuplicateCandidate, ItemSignature
from ledger.models.items import (
    AdjustmentStatus,
    ClockAdjustment,
    Item,
    ItemStatus,
    Reply,
    ReplyRevision,
    ReplyStatus,
    Source,
)
from ledger.models.logins import AccountLock, LoginFailure
from ledger.models.notices import Notice, ReminderLog
from ledger.models.org import Department, Role, User

__all__ = [
    "AccountLock",
    "AdjustmentStatus",
    "CandidateStatus",
    "DisclosureCandidate",
    "DuplicateBand",
    "DuplicateCandidate",
    "ClockAdjustment",
    "Department",
    "Event",
    "Item",
    "ItemSignature",
    "ItemStatus",
    "LoginFailure",
    "Notice",
    "Reply",
    "ReminderLog",
    "ReplyRevision",
    "ReplyStatus",
    "Role",
    "RoutingDecision",
    "Source",
    "User",
]
