"""The ledger's tables. Import models from here; each lives in a module by subject."""

from ledger.models.audit import Event, RoutingDecision
from ledger.models.crawl import CrawlOutcome, CrawlRun
from ledger.models.disclosure import CandidateStatus, DisclosureCandidate
from ledger.models.disclosure_requests import Consultation, CorrectionNotice, DisclosureRequest
from ledger.models.duplicates import DuplicateBand, DuplicateCandidate, ItemSignature
from ledger.models.entries import EntryNumber
from ledger.models.events import (
    EventNote,
    EventProposal,
    EventReminder,
    EventResponse,
    OpinionEvent,
)
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
from ledger.models.org import Department, Role, User, UserRole
from ledger.models.proposals import (
    ContactForm,
    Proposal,
    ProposalCoHandler,
    ProposalContact,
    ProposalKind,
    Satisfaction,
)

__all__ = [
    "AccountLock",
    "AdjustmentStatus",
    "CandidateStatus",
    "DisclosureCandidate",
    "DisclosureRequest",
    "DuplicateBand",
    "DuplicateCandidate",
    "ClockAdjustment",
    "CrawlOutcome",
    "CrawlRun",
    "Consultation",
    "CorrectionNotice",
    "ContactForm",
    "Department",
    "EntryNumber",
    "Event",
    "EventNote",
    "EventProposal",
    "EventReminder",
    "EventResponse",
    "Item",
    "ItemSignature",
    "ItemStatus",
    "LoginFailure",
    "Notice",
    "Proposal",
    "ProposalCoHandler",
    "ProposalContact",
    "ProposalKind",
    "OpinionEvent",
    "Reply",
    "ReminderLog",
    "ReplyRevision",
    "ReplyStatus",
    "Role",
    "RoutingDecision",
    "Satisfaction",
    "Source",
    "User",
    "UserRole",
]
