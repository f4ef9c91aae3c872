"""依申请公开: 征求第三方意见 (Art. 32: the clock pauses until the opinion comes) and 会商 records
(who, when, opinion; the clock runs on), and 延期 (Art. 33: ≤ 20 working days, approved by the head
of the 政府信息公开工作机构, told to the applicant by a 延期告知书)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.models import AdjustmentStatus, ClockAdjustment, Consultation, ItemStatus, User
from ledger.workflow.disclosure.requests import (
    CONSULT_KINDS,
    HANDLING,
    JOINT,
    THIRD_PARTY,
    adjust_clock,
    check_moment,
    handling_status,
    iso,
    load_request,
    require_state,
)
from ledger.workflow.guards import Clock, WorkflowError, touch
from ledger.workflow.item_clock import apply_deadline


def start_consultation(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    kind: str,
    party: str,
    asked_at: datetime | None,
    opinion: str,
    now: datetime,
    clock: Clock,
) -> Consultation:
    """征求第三方意见 (the clock pauses until the opinion is recorded) or 会商 (who, when, opinion)."""
    item, req = load_request(session, user, item_id, version, "记录征求意见/会商")
    require_state(item, HANDLING, "征求意见或会商")
    if kind not in CONSULT_KINDS:
        raise WorkflowError(f"请选择：{'、'.join(CONSULT_KINDS)}。")
    if not party.strip():
        raise WorkflowError("请写明征求意见或会商的对象（单位或第三方名称）。")
    asked_at = check_moment(item, asked_at, now, "征求意见/会商时间")
    if kind == JOINT and not opinion.strip():
        raise WorkflowError("会商记录须写明会商意见。")
    record = Consultation(
        kind=kind,
        party=party.strip()[:200],
        asked_at=asked_at,
        opinion=opinion.strip() or None,
        opinion_at=asked_at if kind == JOINT else None,
        recorded_by_id=user.id,
    )
    req.consultations.append(record)
    if kind == THIRD_PARTY:
        adjust_clock(item, user, "pause", asked_at, f"第三方意见：{party.strip()[:100]}")
        item.status = ItemStatus.CONSULTING
        apply_deadline(item, clock.rules, clock.calendar)
    touch(item, now)
    record_event(
        session,
        item,
        user,
        kind,
        after={"对象": party.strip()[:200], "时间": iso(asked_at), "状态": item.status},
        note=opinion.strip()[:500] or None,
        at=now,
    )
    session.flush()
    return record


def record_opinion(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    opinion: str,
    opinion_at: datetime | None,
    now: datetime,
    clock: Clock,
) -> Consultation:
    """The third party's opinion (or "逾期未提出意见"): the clock runs again."""
    item, req = load_request(session, user, item_id, version, "记录第三方意见")
    require_state(item, (ItemStatus.CONSULTING,), "记录第三方意见")
    open_ = [c for c in req.consultations if c.kind == THIRD_PARTY and c.opinion_at is None]
    if not open_:
        raise WorkflowError("没有等待答复的征求第三方意见。")
    record = open_[-1]
    opinion_at = check_moment(item, opinion_at, now, "第三方意见时间")
    if opinion_at < record.asked_at:
        raise WorkflowError("第三方意见时间早于征求意见时间，未保存。")
    if not opinion.strip():
        raise WorkflowError("请写明第三方意见（逾期未提出的，写“逾期未提出意见”）。")
    record.opinion, record.opinion_at = opinion.strip(), opinion_at
    adjust_clock(item, user, "resume", opinion_at, "第三方意见已收到")
    item.status = handling_status(item)
    apply_deadline(item, clock.rules, clock.calendar)
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "第三方意见",
        after={"对象": record.party, "状态": item.status, "办理时限": iso(item.due_at)},
        note=opinion.strip()[:500],
        at=now,
    )
    session.flush()
    return record


def extend(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    days: int | None,
    reason: str,
    approved_by: str,
    approved_at: datetime | None,
    now: datetime,
    clock: Clock,
) -> ClockAdjustment:
    """延期 (Art. 33): ≤ 20 working days in all, approved by the head of the 公开工作机构; the
    applicant is told with a 延期告知书."""
    item, _ = load_request(session, user, item_id, version, "延期")
    require_state(item, HANDLING, "延期")
    rule = clock.rules.get(item.item_type)
    used = sum(
        a.amount or 0
        for a in item.clock_adjustments
        if a.kind == "extend" and a.status == AdjustmentStatus.APPROVED
    )
    if days is None or days <= 0:
        raise WorkflowError("延期天数应为正整数（工作日）。")
    if used + days > rule.extension_max:
        raise WorkflowError(
            f"延期合计不得超过 {rule.extension_max} 个工作日（条例第三十三条），已延期 {used}，未保存。"
        )
    if not reason.strip():
        raise WorkflowError("请写明延期理由。")
    if not approved_by.strip():
        raise WorkflowError("延期须经政府信息公开工作机构负责人同意：请填写批准人。")
    approved_at = check_moment(item, approved_at, now, "批准时间")
    if item.due_at is not None and approved_at > item.due_at:
        raise WorkflowError("答复期限已过，不能再延期。")
    adj = adjust_clock(
        item, user, "extend", approved_at, f"{reason.strip()[:200]}（经{approved_by.strip()}同意）"
    )
    adj.amount = days
    before_due = item.due_at
    apply_deadline(item, clock.rules, clock.calendar)
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "延期",
        before={"办理时限": iso(before_due)},
        after={"延期": days, "批准人": approved_by.strip(), "办理时限": iso(item.due_at)},
        note=reason.strip()[:500],
        at=now,
    )
    session.flush()
    return adj
