"""Rows for bulk demo data (ledger.demo.bulk): one item and what it leaves behind, as tuples in
the column order of TABLES. Proportions are data at the top of the module."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ledger.models import ItemStatus, ReplyStatus, Role

TABLES: dict[str, tuple[str, ...]] = {
    "item": (
        "id", "source_id", "external_id", "url", "item_type", "title", "body", "author_masked",
        "request_kind", "urgency", "received_at", "dispatched_at", "source_status",
        "source_due_at", "likes", "satisfaction", "extra", "content_hash", "status", "priority",
        "department_id", "suggestions", "route_confidence", "topics", "risk_level",
        "risk_reasons", "duplicate_of_id", "due_at", "warn_at", "deadline_explanation",
        "deadline_warnings", "replied_at", "closed_at", "created_at", "updated_at", "version",
    ),
    "routing_decision": (
        "id", "item_id", "department_id", "method", "confidence", "suggestions",
        "decided_by_id", "reason", "at", "is_training_example",
    ),
    "reply": (
        "id", "item_id", "origin", "status", "unit", "text", "author_id", "reviewer_id",
        "review_comment", "created_at", "submitted_at", "reviewed_at", "published_at",
    ),
    "reply_revision": ("id", "reply_id", "text", "author_id", "created_at"),
    "clock_adjustment": (
        "id", "item_id", "kind", "at", "amount", "reason", "status", "requested_by_id",
        "approved_by_id", "created_at",
    ),
    "event": ("id", "item_id", "actor", "actor_user_id", "at", "action", "before", "after", "note"),
    "notice": ("id", "user_id", "item_id", "kind", "text", "created_at", "read_at"),
}  # fmt: skip

# channel -> (share of items, item type, calendar days to the deadline, id prefix)
CHANNELS = {
    "12345": (0.58, "hotline_12345", 7, "GD"),
    "留言板": (0.25, "message_board", 14, "LY"),
    "领导信箱": (0.12, "leader_mailbox", 14, "XX"),
    "人工录入": (0.05, "foi_request", 28, "YSQ"),
}
NOT_OURS_WEIGHT = 0.4  # scales the weight of topics that are another agency's business
MERGED_SHARE = 0.03  # duplicates merged into an earlier item
REJECTED_SHARE = 0.01  # 不予受理
LATE_BACKLOG_SHARE = 0.004  # old items still open: the 红牌 backlog
PAUSE_SHARE = 0.02  # 补正 / third-party opinion: pause then resume
EXTENSION_SHARE = 0.02
REMINDED_SHARE = 0.05  # items that got a 催办 notice
SOURCE_REPLY_SHARE = 0.6  # board/mailbox replies seen published on the source system
URGENCIES = ("一般", "一般", "一般", "一般", "较急", "紧急")
SATISFACTION = ("很满意", "满意", "满意", "基本满意", "不满意")
OPEN_STATUSES = (
    (ItemStatus.IN_PROGRESS, 0.65),
    (ItemStatus.IN_REVIEW, 0.2),
    (ItemStatus.NEW, 0.1),
    (ItemStatus.PAUSED, 0.05),
)
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Corpus:
    """The demo portal's templates: [[topic]] tables and slot values (data/demo)."""

    topics: list[dict[str, Any]]
    slots: dict[str, list[str]]


@dataclass(frozen=True)
class Org:
    sources: dict[str, tuple[int, str]]  # channel -> (id, slug)
    departments: dict[str, tuple[int, str]]  # name -> (id, code)
    users: dict[int | None, list[tuple[int, str, str]]]  # department id -> (id, username, role)


@dataclass
class ChunkRows:
    tables: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {t: [] for t in TABLES}
    )


def _fill(template: str, slots: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: slots.get(m.group(1), m.group(0)), template)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Picker:
    """Per-run lookups: topic weights, department of each topic, staff of each department."""

    def __init__(self, corpus: Corpus, org: Org) -> None:
        self.topics = corpus.topics
        # the portal over-represents other agencies' business; an office sees about one in eight
        self.weights = [
            t.get("weight", 1) * (1 if t.get("ours", False) else NOT_OURS_WEIGHT)
            for t in corpus.topics
        ]
        self.slots = corpus.slots
        names = org.departments
        not_ours = next((v for k, v in names.items() if v[1] == "not_ours"), None)
        ordinary = [v for v in names.values() if v[1] not in ("not_ours", "office")]
        self.dept_of = []
        for t in corpus.topics:
            unit = names.get(t.get("reply_unit", ""))
            if not t.get("ours", False) and not_ours is not None:
                unit = not_ours
            self.dept_of.append(unit or ordinary[hash(t["key"]) % len(ordinary)])
        self.code_of = {v[0]: v[1] for v in names.values()}
        self.dept_ids = [v[0] for v in ordinary]
        self.org = org
        everyone = [u for us in org.users.values() for u in us]
        self.triage = [u for u in everyone if u[2] == Role.TRIAGE] or everyone[:1]
        self.supervisor = [u for u in everyone if u[2] == Role.SUPERVISOR] or everyone[:1]
        channels = list(CHANNELS)
        self.channels = channels
        self.channel_weights = [CHANNELS[c][0] for c in channels]

    def staff(self, department_id: int, role: str) -> tuple[int, str, str] | None:
        people = [u for u in self.org.users.get(department_id, []) if u[2] == role]
        return people[0] if people else None


def item_rows(
    rng: random.Random,
    corpus: Corpus,
    org: Org,
    ids: dict[str, int],
    times: list[datetime],
    now: datetime,
) -> ChunkRows:
    """Rows for one chunk of items received at `times` (ascending); advances `ids` in place."""
    picker = _PICKERS.get(id(corpus))
    if picker is None or picker.org is not org:
        picker = _PICKERS[id(corpus)] = _Picker(corpus, org)
    out = ChunkRows()
    for received in times:
        _one(rng, picker, ids, received, now, out)
    return out


_PICKERS: dict[int, _Picker] = {}


def _take(ids: dict[str, int], table: str) -> int:
    value = ids[table]
    ids[table] = value + 1
    return value


def _one(
    rng: random.Random,
    p: _Picker,
    ids: dict[str, int],
    received: datetime,
    now: datetime,
    out: ChunkRows,
) -> None:
    t = out.tables
    item_id = _take(ids, "item")
    ti = rng.choices(range(len(p.topics)), weights=p.weights)[0]
    topic = p.topics[ti]
    slots = {name: rng.choice(values) for name, values in p.slots.items()}
    title = _fill(rng.choice(topic["titles"]), slots)
    bodies = topic["bodies"]
    body = _fill(rng.choice(bodies), slots)
    if len(bodies) > 1 and rng.random() < 0.35:  # a second paragraph from a sibling text
        body += "\n" + _fill(rng.choice(bodies), slots)
    channel = rng.choices(p.channels, weights=p.channel_weights)[0]
    _, item_type, days, prefix = CHANNELS[channel]
    source_id, slug = p.org.sources[channel]
    dept_id: int | None = p.dept_of[ti][0]
    due = received + timedelta(days=days)
    age = (now - received).total_seconds() / 86400
    reply_days = rng.uniform(0.5, days * 1.3)
    status, replied, closed, dup = _status(rng, topic, age, reply_days, item_id)
    if status == ItemStatus.NEW:
        dept_id = None
    suggestion_ids = [p.dept_of[ti][0], *rng.sample(p.dept_ids, 2)]
    confidence = round(rng.uniform(0.45, 0.99), 4)
    suggestions = [
        {"code": p.code_of.get(d, ""), "confidence": round(confidence / (k + 1), 4)}
        for k, d in enumerate(suggestion_ids)
    ]
    replied_at = received + timedelta(days=reply_days) if replied else None
    closed_at = replied_at + timedelta(days=rng.uniform(1, 10)) if closed and replied_at else None
    if status in (ItemStatus.RETURNED, ItemStatus.MERGED):
        closed_at = received + timedelta(days=rng.uniform(0.1, 2))
    handler = p.staff(dept_id, Role.HANDLER) if dept_id else None
    reviewer = p.staff(dept_id, Role.REVIEWER) if dept_id else None
    triager = rng.choice(p.triage)
    urgency = rng.choice(URGENCIES) if channel == "12345" else None
    priority = "紧急" if urgency == "紧急" else "普通"
    t["item"].append(
        (
            item_id, source_id, f"{prefix}{received:%Y%m%d}{item_id:08d}", None, item_type, title,
            body, slots["surname"] + rng.choice(("*", "**", "先生", "女士")),
            rng.choice(topic.get("kinds", ["咨询"])), urgency, received,
            received if channel == "12345" else None, "已办结" if closed else None,
            due if channel == "12345" else None, int(rng.paretovariate(1.6)) - 1,
            rng.choice(SATISFACTION) if replied and rng.random() < 0.6 else None, "{}",
            hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(), status.value, priority,
            dept_id, _dumps(suggestions), confidence, _dumps([topic["key"]]),
            "高" if urgency == "紧急" else None, "[]", dup, due, due - timedelta(days=2),
            _dumps([f"规则：{item_type}，{days} 日", f"起算：{received:%Y-%m-%d}"]), "[]",
            replied_at, closed_at, received, closed_at or replied_at or received, 1,
        )
    )  # fmt: skip
    routed_at = received + timedelta(hours=rng.uniform(0.2, 20))
    _event(t, ids, item_id, f"crawler:{slug}", None, received, "受理", None)
    if dept_id is not None:
        auto = confidence > 0.75
        t["routing_decision"].append(
            (
                _take(ids, "routing_decision"), item_id, dept_id,
                "model" if auto else "confirmed", confidence, _dumps(suggestions),
                None if auto else triager[0], None, routed_at, not auto,
            )
        )  # fmt: skip
        who, who_id = ("system", None) if auto else (triager[1], triager[0])
        _event(t, ids, item_id, who, who_id, routed_at, "自动分办" if auto else "分办",
               {"处室": p.code_of.get(dept_id)})  # fmt: skip
    elif status != ItemStatus.NEW:
        _event(t, ids, item_id, triager[1], triager[0], routed_at, status.value, None)
    if rng.random() < PAUSE_SHARE + EXTENSION_SHARE and dept_id is not None:
        _adjustment(rng, t, ids, item_id, received, handler, reviewer, status)
    _replies(rng, p, t, ids, item_id, topic, slots, status, channel, received, replied_at,
             handler, reviewer)  # fmt: skip
    if dept_id is not None and rng.random() < REMINDED_SHARE:
        to = handler or rng.choice(p.supervisor)
        at = due - timedelta(days=1)
        t["notice"].append(
            (_take(ids, "notice"), to[0], item_id, "催办", f"催办：「{title[:40]}」即将到期", at,
             at + timedelta(hours=3) if at < now - timedelta(days=2) else None)
        )  # fmt: skip
        _event(t, ids, item_id, "system", None, at, "催办", None)


def _status(
    rng: random.Random, topic: dict[str, Any], age: float, reply_days: float, item_id: int
) -> tuple[ItemStatus, bool, bool, int | None]:
    """(status, replied, closed, duplicate_of) for an item `age` days old."""
    roll = rng.random()
    if not topic.get("ours", False) and roll < 0.8 and age > 2:
        return ItemStatus.RETURNED, False, False, None
    if roll < MERGED_SHARE and item_id > 1000:
        return ItemStatus.MERGED, False, False, rng.randrange(max(1, item_id - 5000), item_id)
    if roll < MERGED_SHARE + REJECTED_SHARE:  # 不予受理 is recorded as a 回退 with its reason
        return ItemStatus.RETURNED, False, False, None
    late = rng.random() < LATE_BACKLOG_SHARE
    if age > reply_days and not late:
        closed = age > reply_days + 10 and rng.random() < 0.9
        return ItemStatus.REPLIED, True, closed, None
    if age < 1 and rng.random() < 0.5:
        return ItemStatus.NEW, False, False, None
    statuses = [s for s, _ in OPEN_STATUSES]
    weights = [w for _, w in OPEN_STATUSES]
    return rng.choices(statuses, weights=weights)[0], False, False, None


def _event(
    t: dict[str, list[tuple[Any, ...]]],
    ids: dict[str, int],
    item_id: int,
    actor: str,
    user_id: int | None,
    at: datetime,
    action: str,
    after: dict[str, Any] | None,
) -> None:
    t["event"].append(
        (_take(ids, "event"), item_id, actor, user_id, at, action, None,
         _dumps(after) if after is not None else None, None)
    )  # fmt: skip


def _adjustment(
    rng: random.Random,
    t: dict[str, list[tuple[Any, ...]]],
    ids: dict[str, int],
    item_id: int,
    received: datetime,
    handler: tuple[int, str, str] | None,
    reviewer: tuple[int, str, str] | None,
    status: ItemStatus,
) -> None:
    at = received + timedelta(days=rng.uniform(1, 4))
    pending = status in (ItemStatus.IN_PROGRESS, ItemStatus.IN_REVIEW) and rng.random() < 0.3
    state = "待批准" if pending else "已批准"
    who = handler[0] if handler else None
    approver = None if pending or reviewer is None else reviewer[0]
    if rng.random() < 0.5:
        t["clock_adjustment"].append(
            (_take(ids, "clock_adjustment"), item_id, "extend", at, 5, "需协调多个单位核实情况",
             state, who, approver, at)
        )  # fmt: skip
        return
    t["clock_adjustment"].append(
        (_take(ids, "clock_adjustment"), item_id, "pause", at, None, "请来信人补正材料",
         "已批准", who, approver, at)
    )  # fmt: skip
    if status != ItemStatus.PAUSED:
        back = at + timedelta(days=rng.uniform(2, 7))
        t["clock_adjustment"].append(
            (_take(ids, "clock_adjustment"), item_id, "resume", back, None, "材料已补正",
             "已批准", who, approver, back)
        )  # fmt: skip


def _replies(
    rng: random.Random,
    p: _Picker,
    t: dict[str, list[tuple[Any, ...]]],
    ids: dict[str, int],
    item_id: int,
    topic: dict[str, Any],
    slots: dict[str, str],
    status: ItemStatus,
    channel: str,
    received: datetime,
    replied_at: datetime | None,
    handler: tuple[int, str, str] | None,
    reviewer: tuple[int, str, str] | None,
) -> None:
    text = _fill(rng.choice(topic["replies"]), slots)
    unit = topic.get("reply_unit", "办公室")
    if replied_at is not None:
        if channel in ("留言板", "领导信箱") and rng.random() < SOURCE_REPLY_SHARE:
            t["reply"].append(
                (_take(ids, "reply"), item_id, "source", ReplyStatus.PUBLISHED.value, unit, text,
                 None, None, None, replied_at, None, None, replied_at)
            )  # fmt: skip
            _event(t, ids, item_id, "crawler:source", None, replied_at, "答复", None)
            return
        drafted = replied_at - timedelta(days=rng.uniform(0.2, 2))
        reply_id = _take(ids, "reply")
        t["reply"].append(
            (reply_id, item_id, "staff", ReplyStatus.APPROVED.value, unit, text,
             handler[0] if handler else None, reviewer[0] if reviewer else None, None, drafted,
             drafted, replied_at, None)
        )  # fmt: skip
        t["reply_revision"].append(
            (_take(ids, "reply_revision"), reply_id, text, handler[0] if handler else None,
             drafted)
        )  # fmt: skip
        who, who_id = (handler[1], handler[0]) if handler else ("system", None)
        _event(t, ids, item_id, who, who_id, drafted, "起草答复", None)
        _event(t, ids, item_id, who, who_id, drafted, "提交审核", None)
        rev, rev_id = (reviewer[1], reviewer[0]) if reviewer else ("system", None)
        _event(t, ids, item_id, rev, rev_id, replied_at, "审核通过", None)
        return
    if status in (ItemStatus.IN_REVIEW, ItemStatus.IN_PROGRESS) and handler is not None:
        if status == ItemStatus.IN_PROGRESS and rng.random() < 0.7:
            return
        drafted = received + timedelta(days=rng.uniform(0.5, 3))
        in_review = status == ItemStatus.IN_REVIEW
        reply_id = _take(ids, "reply")
        t["reply"].append(
            (reply_id, item_id, "staff",
             (ReplyStatus.SUBMITTED if in_review else ReplyStatus.DRAFT).value, unit, text,
             handler[0], None, None, drafted, drafted if in_review else None, None, None)
        )  # fmt: skip
        t["reply_revision"].append(
            (_take(ids, "reply_revision"), reply_id, text, handler[0], drafted)
        )
        _event(t, ids, item_id, handler[1], handler[0], drafted, "起草答复", None)
