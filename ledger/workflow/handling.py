"""承办 (the 处室 workbench): draft and submit replies, ask for an extension or a pause, resume,
and send a mis-routed item back to triage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from ledger.audit import record_event
from ledger.masking import mask_personal_data
from ledger.models import (
    AdjustmentStatus,
    ClockAdjustment,
    Item,
    ItemStatus,
    Reply,
    ReplyRevision,
    ReplyStatus,
    Role,
    RoutingDecision,
    User,
)
from ledger.queries import visible_items
from ledger.workflow.guards import (
    Clock,
    WorkflowError,
    load_item,
    refuse_while_paused,
    require_role,
    require_status,
    touch,
)
from ledger.workflow.item_clock import apply_deadline
from ledger.workflow.notices import department_users, notify, users_with_roles
from ledger.workflow.proposals.checks import check_item_reply_ready
from ledger.workflow.reply_templates import unreplaced

HANDLER_ROLES = (Role.HANDLER, Role.REVIEWER)
WORKING = (ItemStatus.IN_PROGRESS, ItemStatus.PAUSED)
PAUSE_KINDS = ("补正", "第三方意见")
PENDING = AdjustmentStatus.PENDING


# What the 承办 list shows of an item, its replies and clock requests: the rest (body, JSON
# columns, reply texts) is not read at all — 200 rows' JSON decoding and texts were a third of
# the page at 1,000,000 items. raiseload: a template that starts using another column fails in
# the tests instead of quietly running one query per row.
LIST_COLUMNS = (
    Item.id,
    Item.external_id,
    Item.title,
    Item.status,
    Item.priority,
    Item.due_at,
    Item.warn_at,
    Item.version,
    Item.source_id,
)


def my_items(session: Session, user: User, limit: int = 50, offset: int = 0) -> list[Item]:
    """The 处室's open items, the most pressing deadline first: `limit` of them from `offset`.

    The page's ids come first, from the (处室, status, due_at, id) index alone: a 处室 has a
    thousand or two open items. MATERIALIZED, because left to itself PostgreSQL walked the
    due_at index of all 1,000,000 items from the earliest deadline, through ~55,000 long-closed
    ones, to find the first 50 open ones of the 处室 (~48 ms a page)."""
    open_ = (
        visible_items(user)
        .where(
            Item.department_id.is_not(None),
            Item.status.in_([ItemStatus.IN_PROGRESS, ItemStatus.PAUSED, ItemStatus.IN_REVIEW]),
        )
        .with_only_columns(Item.id, Item.due_at)
        .cte("open_items")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    ids = list(
        session.scalars(
            select(open_.c.id).order_by(open_.c.due_at, open_.c.id).offset(offset).limit(limit)
        )
    )
    rows = session.scalars(
        select(Item)
        .where(Item.id.in_(ids))
        .options(  # no query per row
            load_only(*LIST_COLUMNS, raiseload=True),
            selectinload(Item.replies).load_only(
                Reply.id, Reply.item_id, Reply.origin, Reply.status, raiseload=True
            ),
            selectinload(Item.clock_adjustments).load_only(
                ClockAdjustment.id,
                ClockAdjustment.item_id,
                ClockAdjustment.kind,
                ClockAdjustment.status,
                raiseload=True,
            ),
            joinedload(Item.source),
        )
    )
    found = {item.id: item for item in rows}
    return [found[i] for i in ids if i in found]


def staff_reply(item: Item) -> Reply | None:
    """The reply being worked on (draft, returned for changes, or submitted), if any."""
    for reply in reversed(item.replies):
        if reply.origin == "staff" and reply.status in (
            ReplyStatus.DRAFT,
            ReplyStatus.RETURNED,
            ReplyStatus.SUBMITTED,
        ):
            return reply
    return None


def text_authors(reply: Reply) -> set[int]:
    """Everyone who wrote or edited any revision of the reply's text."""
    return {r.author_id for r in reply.revisions if r.author_id is not None}


def pending_adjustments(item: Item) -> list[ClockAdjustment]:
    return [a for a in item.clock_adjustments if a.status == PENDING]


def save_draft(
    session: Session, user: User, item_id: int, version: int | None, text: str, *, now: datetime
) -> Reply:
    require_role(user, HANDLER_ROLES, "起草答复")
    item = load_item(session, user, item_id, version)
    require_status(item, WORKING, "起草答复")
    text = text.strip()
    if not text:
        raise WorkflowError("答复内容不能为空。")
    reply = staff_reply(item)
    if reply is not None and reply.status == ReplyStatus.SUBMITTED:
        raise WorkflowError("答复已提交审核，审核退回后才能修改。")
    if reply is None:
        reply = Reply(
            item=item, origin="staff", status=ReplyStatus.DRAFT, text=text, created_at=now
        )
        session.add(reply)
    before = {"答复": reply.text[:200]} if reply.id else None
    if not reply.revisions or reply.revisions[-1].text != text:
        # only a changed text is a new revision by this user; re-saving leaves authorship as it was
        reply.revisions.append(ReplyRevision(text=text, author_id=user.id, created_at=now))
    reply.text, reply.author_id, reply.status = text, user.id, ReplyStatus.DRAFT
    unit = user.department.name if user.department else None
    reply.unit = unit
    touch(item, now)
    if before is None or before["答复"] != text[:200]:  # re-saving the same text is no new entry
        record_event(
            session, item, user, "起草答复", before=before, after={"答复": text[:200]}, at=now
        )
    session.flush()
    return reply


def submit(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    now: datetime,
    placeholders: Iterable[str] = (),
) -> Reply:
    """Submit the draft for review; refused while it still holds a template hint (`placeholders`,
    from ledger.workflow.reply_templates.placeholders) that should have been replaced by real content."""
    require_role(user, HANDLER_ROLES, "提交审核")
    item = load_item(session, user, item_id, version)
    require_status(item, [ItemStatus.IN_PROGRESS], "提交审核")
    reply = staff_reply(item)
    if reply is None or reply.status == ReplyStatus.SUBMITTED or not reply.text.strip():
        raise WorkflowError("请先保存答复草稿，再提交审核。")
    left = unreplaced(reply.text, placeholders)
    if left:
        raise WorkflowError(
            f"答复中还有未替换的模板提示：{'、'.join(left)}。请改为实际内容后再提交审核（草稿已保存）。"
        )
    check_item_reply_ready(session, item, now)  # 建议提案: 协办 opinions first
    reply.status, reply.submitted_at = ReplyStatus.SUBMITTED, now
    item.status = ItemStatus.IN_REVIEW
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "提交审核",
        before={"状态": ItemStatus.IN_PROGRESS.value},
        after={"状态": item.status},
        at=now,
    )
    reviewers = department_users(session, item.department_id, (Role.REVIEWER,))
    notify(session, reviewers, item, "审核", f"待审核答复：{mask_personal_data(item.title)}", now)
    session.flush()
    return reply


def request_extension(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    amount: int,
    reason: str,
    *,
    now: datetime,
    clock: Clock,
) -> ClockAdjustment:
    """延期申请: recorded as a pending adjustment; the deadline moves only once approved."""
    require_role(user, HANDLER_ROLES, "申请延期")
    item = load_item(session, user, item_id, version)
    require_status(item, WORKING, "申请延期")
    rule = clock.rules.get(item.item_type)
    if rule.extension_max == 0:
        raise WorkflowError(f"{rule.name}不得延期。")
    if amount <= 0:
        raise WorkflowError("延期数量应为正整数。")
    if not reason.strip():
        raise WorkflowError("申请延期须写明理由。")
    if pending_adjustments(item):
        raise WorkflowError("已有待批准的延期或暂停申请，请等待审批。")
    used = sum(
        a.amount or 0
        for a in item.clock_adjustments
        if a.kind == "extend" and a.status == AdjustmentStatus.APPROVED
    )
    if used + amount > rule.extension_max:
        raise WorkflowError(
            f"延期合计不得超过 {rule.extension_max}（{rule.describe()}规则），已延期 {used}。"
        )
    return _request(session, user, item, "extend", amount, reason.strip(), now, "申请延期")


def request_pause(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    kind: str,
    reason: str,
    *,
    now: datetime,
    clock: Clock,
) -> ClockAdjustment:
    """暂停申请 (补正 / 第三方意见): pending until approved; the pause counts from the request."""
    require_role(user, HANDLER_ROLES, "申请暂停计时")
    item = load_item(session, user, item_id, version)
    require_status(item, [ItemStatus.IN_PROGRESS], "申请暂停计时")
    rule = clock.rules.get(item.item_type)
    if not rule.pausable:
        raise WorkflowError(f"{rule.name}不允许暂停计时。")
    if kind not in PAUSE_KINDS:
        raise WorkflowError(f"暂停原因只能是：{'、'.join(PAUSE_KINDS)}。")
    if not reason.strip():
        raise WorkflowError("申请暂停须写明理由。")
    if pending_adjustments(item):
        raise WorkflowError("已有待批准的延期或暂停申请，请等待审批。")
    return _request(
        session, user, item, "pause", None, f"{kind}：{reason.strip()}", now, "申请暂停"
    )


def _request(
    session: Session,
    user: User,
    item: Item,
    kind: str,
    amount: int | None,
    reason: str,
    now: datetime,
    action: str,
) -> ClockAdjustment:
    adj = ClockAdjustment(
        kind=kind, at=now, amount=amount, reason=reason, status=PENDING, requested_by_id=user.id
    )
    item.clock_adjustments.append(adj)
    touch(item, now)
    record_event(
        session,
        item,
        user,
        action,
        after={"数量": amount, "理由": reason} if amount else {"理由": reason},
        at=now,
    )
    approvers = department_users(session, item.department_id, (Role.REVIEWER,))
    notify(
        session, approvers, item, "审批", f"{action}待批准：{mask_personal_data(item.title)}", now
    )
    session.flush()
    return adj


def resume(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    now: datetime,
    clock: Clock,
) -> Item:
    """恢复计时. After 补正 the clock restarts (where the rule says so); else the pause ends."""
    require_role(user, HANDLER_ROLES, "恢复计时")
    item = load_item(session, user, item_id, version)
    require_status(item, [ItemStatus.PAUSED], "恢复计时")
    rule = clock.rules.get(item.item_type)
    pauses = [
        a
        for a in item.clock_adjustments
        if a.kind == "pause" and a.status == AdjustmentStatus.APPROVED
    ]
    restart = bool(pauses) and pauses[-1].reason.startswith("补正") and rule.restartable
    kind = "restart" if restart else "resume"
    reason = "收到补正材料，重新起算" if restart else "恢复计时"
    item.clock_adjustments.append(
        ClockAdjustment(
            kind=kind,
            at=now,
            reason=reason,
            status=AdjustmentStatus.APPROVED,
            requested_by_id=user.id,
            approved_by_id=user.id,
        )
    )
    before_due = item.due_at
    apply_deadline(item, clock.rules, clock.calendar)
    item.status = ItemStatus.IN_PROGRESS
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "重新起算" if restart else "恢复计时",
        before={"状态": ItemStatus.PAUSED.value, "办理时限": _iso(before_due)},
        after={"状态": item.status, "办理时限": _iso(item.due_at)},
        at=now,
    )
    session.flush()
    return item


def send_back(
    session: Session, user: User, item_id: int, version: int | None, reason: str, *, now: datetime
) -> Item:
    """退回分办: the item is not this 处室's business; it goes back to the triage queue."""
    require_role(user, HANDLER_ROLES, "退回")
    if not reason.strip():
        raise WorkflowError("退回须写明理由（例如应由哪个处室承办）。")
    item = load_item(session, user, item_id, version)
    require_status(item, WORKING, "退回")
    refuse_while_paused(item, "退回分办")
    dept = item.department
    session.add(
        RoutingDecision(
            item_id=item.id,
            department_id=None,
            method="returned",
            confidence=None,
            suggestions=item.suggestions,
            decided_by_id=user.id,
            reason=f"{dept.name if dept else ''}退回：{reason.strip()}",
            at=now,
            is_training_example=False,
        )
    )
    before = {"处室": dept.name if dept else None, "状态": item.status}
    item.department_id = None
    item.status = ItemStatus.NEW
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "退回分办",
        before=before,
        after={"处室": None, "状态": item.status},
        note=reason.strip(),
        at=now,
    )
    notify(
        session,
        users_with_roles(session, (Role.TRIAGE,)),
        item,
        "退回",
        f"{dept.name if dept else '处室'}退回：{mask_personal_data(item.title)}（{reason.strip()}）",
        now,
    )
    session.flush()
    return item


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
