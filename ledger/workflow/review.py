"""审核: approve or return a submitted reply; approve or refuse extension and pause requests.

Only an approved reply makes an item answered (replied_at). For 12345 work orders the approved
reply is fed back through a ReportBack and the outcome recorded as an event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, joinedload, selectinload

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
    User,
)
from ledger.queries import visible_items
from ledger.workflow.guards import (
    Clock,
    WorkflowError,
    load_item,
    require_role,
    require_status,
    touch,
)
from ledger.workflow.handling import PENDING, pending_adjustments, staff_reply, text_authors
from ledger.workflow.item_clock import apply_deadline
from ledger.workflow.notices import department_users, notify
from ledger.workflow.report_back import (
    HOTLINE_CHANNEL,
    NoReportBack,
    ReportBack,
    record_report_back,
)

REVIEW_ROLES = (Role.REVIEWER,)
CLOCK_APPROVERS = (Role.REVIEWER, Role.SUPERVISOR)


def review_queue(session: Session, user: User) -> list[Item]:
    """Items waiting for this reviewer: submitted replies and pending clock requests."""
    rows = session.scalars(
        visible_items(user)
        .where(Item.status.in_([ItemStatus.IN_REVIEW, ItemStatus.IN_PROGRESS, ItemStatus.PAUSED]))
        .options(selectinload(Item.clock_adjustments), joinedload(Item.department))
        .order_by(Item.due_at, Item.id)
    ).all()
    return [i for i in rows if i.status == ItemStatus.IN_REVIEW or pending_adjustments(i)]


def _submitted(item: Item) -> Reply:
    reply = staff_reply(item)
    if reply is None or reply.status != ReplyStatus.SUBMITTED:
        raise WorkflowError("没有待审核的答复。")
    return reply


def approve(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    now: datetime,
    comment: str = "",
    report_back: ReportBack | None = None,
) -> Reply:
    require_role(user, REVIEW_ROLES, "审核答复")
    item = load_item(session, user, item_id, version)
    require_status(item, [ItemStatus.IN_REVIEW], "审核")
    reply = _submitted(item)
    # Four eyes, from the reply's history: not "who saved last" (a handler re-saving the
    # reviewer's text unchanged would launder it) but everyone who wrote any revision of it.
    if user.id in text_authors(reply) or reply.author_id == user.id:
        raise WorkflowError(
            "不能审核自己起草或修改过的答复（修改记录中有您写的版本）：请由本处室另一位审核人审核。"
        )
    reply.status, reply.reviewer_id, reply.reviewed_at = ReplyStatus.APPROVED, user.id, now
    reply.review_comment = comment.strip() or None
    item.status = ItemStatus.REPLIED
    item.replied_at = now
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "审核通过",
        before={"状态": ItemStatus.IN_REVIEW.value},
        after={"状态": item.status, "答复时间": now.isoformat()},
        note=reply.review_comment,
        at=now,
    )
    _tell_author(session, item, reply, f"答复已批准：{mask_personal_data(item.title)}", now)
    if item.source.channel == HOTLINE_CHANNEL:
        _report_back(session, item, reply, report_back or NoReportBack(), now)
    session.flush()
    return reply


def _tell_author(session: Session, item: Item, reply: Reply, text: str, now: datetime) -> None:
    author = session.get(User, reply.author_id) if reply.author_id else None
    if author is not None:
        notify(session, [author], item, "审核", text, now)


def _report_back(
    session: Session, item: Item, reply: Reply, report_back: ReportBack, now: datetime
) -> None:
    result = record_report_back(
        session, item, lambda rb: rb.report(item, reply), report_back, now, "12345回传"
    )
    if result.ok:
        reply.published_at = now


def return_reply(
    session: Session, user: User, item_id: int, version: int | None, comment: str, *, now: datetime
) -> Reply:
    require_role(user, REVIEW_ROLES, "退回修改")
    if not comment.strip():
        raise WorkflowError("退回修改须写明意见。")
    item = load_item(session, user, item_id, version)
    require_status(item, [ItemStatus.IN_REVIEW], "退回修改")
    reply = _submitted(item)
    reply.status, reply.reviewer_id, reply.reviewed_at = ReplyStatus.RETURNED, user.id, now
    reply.review_comment = comment.strip()
    item.status = ItemStatus.IN_PROGRESS
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "审核退回",
        before={"状态": ItemStatus.IN_REVIEW.value},
        after={"状态": item.status},
        note=reply.review_comment,
        at=now,
    )
    text = f"答复被退回修改：{mask_personal_data(item.title)}（{reply.review_comment}）"
    _tell_author(session, item, reply, text, now)
    session.flush()
    return reply


def decide_clock_request(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    adjustment_id: int,
    approve: bool,
    *,
    now: datetime,
    clock: Clock,
    comment: str = "",
) -> ClockAdjustment:
    """批准/驳回 an extension or pause request; an approval recomputes the deadline."""
    require_role(user, CLOCK_APPROVERS, "审批延期/暂停")
    item = load_item(session, user, item_id, version)
    adj = next((a for a in item.clock_adjustments if a.id == adjustment_id), None)
    if adj is None or adj.status != PENDING:
        raise WorkflowError("该申请不存在或已处理。")
    if approve and adj.requested_by_id == user.id:
        raise WorkflowError("不能批准自己提出的延期或暂停申请：请由另一位审核人或督办批准。")
    label = "延期" if adj.kind == "extend" else "暂停"
    adj.approved_by_id = user.id
    before_due = item.due_at
    if approve:
        adj.status = AdjustmentStatus.APPROVED
        if adj.kind == "pause":
            if item.status != ItemStatus.IN_PROGRESS:
                raise WorkflowError(f"事项当前状态为「{item.status}」，不能暂停计时。")
            item.status = ItemStatus.PAUSED
        apply_deadline(item, clock.rules, clock.calendar)
    else:
        adj.status = AdjustmentStatus.REFUSED
    touch(item, now)
    record_event(
        session,
        item,
        user,
        f"{'批准' if approve else '驳回'}{label}",
        before={"办理时限": before_due.isoformat() if before_due else None},
        after={
            "办理时限": item.due_at.isoformat() if item.due_at else None,
            "状态": item.status,
            "申请": adj.reason,
        },
        note=comment.strip() or None,
        at=now,
    )
    if adj.requested_by_id:
        requester = session.get(User, adj.requested_by_id)
        if requester:
            notify(
                session,
                [requester],
                item,
                "审批",
                f"{label}申请已{'批准' if approve else '驳回'}：{mask_personal_data(item.title)}",
                now,
            )
    session.flush()
    return adj


def edit_reply(
    session: Session, user: User, item_id: int, version: int | None, text: str, *, now: datetime
) -> Reply:
    """审核人修改: the reviewer corrects the submitted text. The change is a revision written by
    the reviewer, so four eyes now applies to it: another reviewer must approve (approve()
    refuses anyone who wrote a revision). The reply stays submitted; the other reviewers are told."""
    require_role(user, REVIEW_ROLES, "修改答复")
    item = load_item(session, user, item_id, version)
    require_status(item, [ItemStatus.IN_REVIEW], "修改答复")
    reply = _submitted(item)
    text = text.strip()
    if not text:
        raise WorkflowError("答复内容不能为空。")
    if text == reply.text:
        raise WorkflowError("答复内容没有改动：如无需修改，请直接批准。")
    before = reply.text
    reply.revisions.append(ReplyRevision(text=text, author_id=user.id, created_at=now))
    reply.text = text
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "审核修改答复",
        before={"答复": before[:200]},
        after={"答复": text[:200]},
        note="审核人修改后须由另一位审核人批准",
        at=now,
    )
    others = [
        u
        for u in department_users(session, item.department_id, (Role.REVIEWER,))
        if u.id != user.id
    ]
    notify(
        session,
        others,
        item,
        "审核",
        f"答复经{user.display_name}修改，请您审核批准：{mask_personal_data(item.title)}",
        now,
    )
    session.flush()
    return reply
