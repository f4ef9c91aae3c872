"""The one intake path every channel calls: store idempotently, route, set the deadline, audit.

The caller owns the transaction (``with session.begin(): intake(session, record, ctx)``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ledger.audit import record_event
from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import RuleBook, UnknownItemType, load_rules
from ledger.intake.delivery import DeliveryLog
from ledger.intake.model.routing import Router, RouteResult, load_router
from ledger.intake.originals import cut_body
from ledger.intake.record_checks import IntakeError, IntakeLimits, check_dates, validate
from ledger.intake.records import IntakeRecord
from ledger.masking import mask_name
from ledger.models import Department, Item, ItemStatus, Reply, ReplyStatus, RoutingDecision, Source
from ledger.settings import Settings
from ledger.workflow.item_clock import apply_deadline
from ledger.workflow.proposals.lead import lead_follows_item

Outcome = Literal["new", "updated", "unchanged"]

# Fields compared to decide whether a delivered record changed since the last delivery.
TRACKED = (
    "title",
    "body",
    "source_status",
    "source_due_at",
    "urgency",
    "reply_unit",
    "reply_text",
    "replied_at",
    "satisfaction",
    "likes",
)


@dataclass(frozen=True)
class IntakeResult:
    item_id: int
    outcome: Outcome
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemState:
    """What an incremental crawl needs to know about an item it has seen before."""

    content_hash: str
    has_reply: bool
    is_open: bool


@dataclass
class IntakeContext:
    rules: RuleBook
    calendar: WorkingCalendar
    router: Router
    department_ids: dict[str, int]
    limits: IntakeLimits = field(default_factory=IntakeLimits)
    instance_dir: Path | None = None  # where oversized bodies are kept whole

    @classmethod
    def load(cls, session: Session, settings: Settings) -> IntakeContext:
        return cls(
            rules=load_rules(settings.data_dir / "deadline_rules.toml"),
            calendar=WorkingCalendar.from_dir(settings.data_dir / "holidays"),
            router=load_router(session, settings),
            # Only active 处室 can receive items automatically (as in manual triage).
            department_ids={
                d.code: d.id for d in session.scalars(select(Department).where(Department.active))
            },
            instance_dir=settings.instance_dir,
        )


def tracked_values(record: IntakeRecord) -> dict[str, object]:
    return {name: _jsonable(getattr(record, name)) for name in TRACKED}


def content_hash(record: IntakeRecord) -> str:
    raw = json.dumps(tracked_values(record), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def intake(
    session: Session,
    record: IntakeRecord,
    ctx: IntakeContext,
    *,
    now: datetime | None = None,
    delivery: DeliveryLog | None = None,
) -> IntakeResult:
    """Store `record` once; deliver it again and nothing changes; deliver a change and it is applied.

    A batch of one through ledger.intake.batch (the one path); raises IntakeError when refused.
    `delivery` spans one crawl of a source: a second, different version of a record in it is
    refused (ledger.intake.delivery)."""
    from ledger.intake.batch import intake_batch  # that module builds on this one

    [outcome] = intake_batch(session, [record], ctx, now=now, delivery=delivery)
    if isinstance(outcome, IntakeError):
        raise outcome
    return outcome


def prepare(
    record: IntakeRecord, ctx: IntakeContext, now: datetime
) -> tuple[IntakeRecord, str, str]:
    """(record cleaned and capped, content hash, rule key), or IntakeError with the reason."""
    record = record.cleaned()
    validate(record)
    check_dates(record, ctx.limits, now)
    try:
        rule = ctx.rules.get(record.item_type)
    except UnknownItemType as exc:
        raise IntakeError(f"{record.external_id}: {exc}") from exc
    digest = content_hash(record)  # of the whole body: a cut body must not look like a change
    return record, digest, rule.key


def _capped(record: IntakeRecord, ctx: IntakeContext) -> IntakeRecord:
    """The record with an oversized body cut; the whole body is kept as a file (ledger.intake.originals)."""
    limit = ctx.limits.max_body_chars
    body, extra = cut_body(
        record.body.strip(), limit, record.source, str(record.external_id), ctx.instance_dir
    )
    reply = record.reply_text
    if reply and len(reply) > limit:
        reply = (
            reply[:limit]
            + f"\n……（答复共 {len(record.reply_text or '')} 字，只保存开头 {limit} 字）"
        )
    if not extra and reply == record.reply_text:
        return record
    return replace(record, body=body, reply_text=reply, extra={**record.extra, **extra})


def known_items(session: Session, source_slug: str) -> dict[str, ItemState]:
    """external_id → state, for incremental crawls (skip unchanged, re-check open items)."""
    rows = session.execute(
        select(Item.external_id, Item.content_hash, Item.status, Item.replied_at)
        .join(Source)
        .where(Source.slug == source_slug)
    )
    return {
        ext: ItemState(h, replied is not None, ItemStatus(status).is_open)
        for ext, h, status, replied in rows
    }


def find_items(session: Session, source_id: int, external_ids: list[str]) -> dict[str, Item]:
    """external_id → item, in one query per 500 ids, with what updates read (replies, pauses)."""
    found: dict[str, Item] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        rows = session.scalars(
            select(Item)
            .where(Item.source_id == source_id, Item.external_id.in_(chunk))
            .options(selectinload(Item.replies), selectinload(Item.clock_adjustments))
        )
        found.update((item.external_id, item) for item in rows)
    return found


# 来源渠道 when the channel does not say: the item type names it.
CHANNEL_BY_TYPE = {
    "hotline_12345": "12345",
    "message_board": "留言板",
    "leader_mailbox": "领导信箱",
}


def source_for(session: Session, record: IntakeRecord, item_type: str) -> Source:
    channel = record.channel or CHANNEL_BY_TYPE.get(item_type, "人工录入")
    name = record.source_name or record.source
    source = session.scalar(select(Source).where(Source.slug == record.source))
    if source is None:
        try:
            with session.begin_nested():  # another crawler may create it at the same moment
                source = Source(slug=record.source, name=name, channel=channel)
                session.add(source)
        except IntegrityError:
            source = session.scalars(select(Source).where(Source.slug == record.source)).one()
    elif (record.channel and source.channel != channel) or (
        record.source_name and source.name != name
    ):
        source.channel, source.name = channel, name
    return source


def new_item(
    source: Source, record: IntakeRecord, item_type: str, digest: str, now: datetime
) -> Item:
    """The item for a first delivery, not yet added (the batch inserts them in one statement)."""
    return Item(
        source=source,
        external_id=str(record.external_id),
        url=_clip(record.url, 1000),
        item_type=item_type,
        title=record.title.strip()[:500],
        body=record.body.strip(),
        author_masked=mask_name(record.author),
        request_kind=_clip(record.request_kind, 20),
        urgency=_clip(record.urgency, 20),
        received_at=record.received_at,
        dispatched_at=record.dispatched_at,
        source_status=_clip(record.source_status, 40),
        source_due_at=record.source_due_at,
        likes=record.likes,
        satisfaction=_clip(record.satisfaction, 40),
        extra=dict(record.extra),
        content_hash=digest,
        status=ItemStatus.NEW,
        created_at=now,
        updated_at=now,
        replies=[],  # known empty: no lazy load (and no autoflush) per item
        clock_adjustments=[],
    )


def suggestions_of(result: RouteResult) -> list[dict[str, object]]:
    return [{"code": s.department_code, "confidence": s.confidence} for s in result.suggestions]


def auto_target(result: RouteResult, department_ids: dict[str, int]) -> int | None:
    """The 处室 an item goes to without a person, if any.

    "非本厅职责" is never sent back automatically: a person decides a 回退.
    """
    best = result.best
    if result.auto and best and best.department_code != "not_ours":
        return department_ids.get(best.department_code)
    return None


def set_route(item: Item, result: RouteResult, department_ids: dict[str, int]) -> int | None:
    """The model's suggestions, topics and risk on the item, and its 处室 when the model is sure
    (then it is 办理中); returns that 处室's id. No row is written: callers audit the decision."""
    item.suggestions = suggestions_of(result)
    item.route_confidence = result.best.confidence if result.best else None
    item.topics = list(result.topics)
    item.risk_level = result.risk_level
    item.risk_reasons = list(result.risk_reasons)
    target = auto_target(result, department_ids)
    if target is not None:
        item.department_id = target
        item.status = ItemStatus.IN_PROGRESS
    return target


def apply_route(
    session: Session,
    item: Item,
    result: RouteResult,
    department_ids: dict[str, int],
    actor: str,
    *,
    refresh: bool = False,
) -> None:
    """Store the model's suggestions, topics and risk; route the item when the model is sure.

    `refresh` marks a re-suggestion for an item already in the queue (after retraining).
    """
    before = {"建议": item.suggestions} if refresh else None
    target = set_route(item, result, department_ids)
    prefix = "模型更新后" if refresh else ""
    session.add(
        RoutingDecision(
            item_id=item.id,
            department_id=target,
            method=result.method,
            confidence=item.route_confidence,
            suggestions=item.suggestions,
            reason=prefix + ("自动分办" if target else "建议，待人工分办"),
        )
    )
    action = "自动分办" if target else ("分办建议更新" if refresh else "分办建议")
    code = result.best.department_code if target and result.best else None
    record_event(
        session, item, actor, action, before=before, after={"建议": item.suggestions, "处室": code}
    )
    if target is not None:
        lead_follows_item(session, item, actor)  # a 建议提案's 主办 is the item's 处室


def _add_source_reply(session: Session, item: Item, record: IntakeRecord, actor: str) -> None:
    reply = Reply(
        item=item,
        origin="source",
        status=ReplyStatus.PUBLISHED,
        unit=record.reply_unit,
        text=record.reply_text or "",
        published_at=record.replied_at,
    )
    session.add(reply)
    item.replied_at = record.replied_at or item.updated_at
    if item.status_enum.is_open:
        before = item.status
        item.status = ItemStatus.REPLIED
        record_event(
            session, item, actor, "来源已答复", before={"状态": before}, after={"状态": item.status}
        )


def update_item(
    session: Session,
    item: Item,
    record: IntakeRecord,
    digest: str,
    ctx: IntakeContext,
    now: datetime,
) -> list[str]:
    """Apply a changed delivery; returns the changed field names (events carry before/after)."""
    changed = _update(session, item, record, digest, item.source.slug, now)
    if "source_due_at" in changed:  # the 12345 platform moved the order's 办理时限
        apply_deadline(item, ctx.rules, ctx.calendar)
    return changed


def _update(
    session: Session, item: Item, record: IntakeRecord, digest: str, slug: str, now: datetime
) -> list[str]:
    had_reply = item.replied_at is not None
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    mapping = {
        "title": record.title.strip()[:500],
        "body": record.body.strip(),
        "source_status": _clip(record.source_status, 40),
        "source_due_at": record.source_due_at,
        "urgency": _clip(record.urgency, 20),
        "satisfaction": _clip(record.satisfaction, 40),
        "likes": record.likes,
    }
    for name, value in mapping.items():
        if getattr(item, name) != value:
            before[name] = _jsonable(getattr(item, name))
            after[name] = _jsonable(value)
            setattr(item, name, value)
    if record.extra.keys() - item.extra.keys() or any(
        item.extra.get(k) != v for k, v in record.extra.items()
    ):
        item.extra = {**item.extra, **record.extra}
    item.content_hash = digest
    item.updated_at = now
    actor = f"crawler:{slug}"
    if after:
        record_event(session, item, actor, "来源更新", before=before, after=after)
    if record.reply_text and not had_reply:
        _add_source_reply(session, item, record, actor)
        after["reply"] = True
    elif record.reply_text:
        source_reply = next((r for r in item.replies if r.origin == "source"), None)
        if source_reply is not None and source_reply.text != record.reply_text:
            record_event(
                session,
                item,
                actor,
                "来源答复更新",
                before={"答复": source_reply.text[:200]},
                after={"答复": record.reply_text[:200]},
            )
            source_reply.text = record.reply_text
            source_reply.unit = record.reply_unit
            after["reply"] = True
    return sorted(after)


def _clip(value: str | None, length: int) -> str | None:
    """Source text longer than its column is cut, not refused (PostgreSQL enforces lengths)."""
    return value.strip()[:length] if value else value


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
