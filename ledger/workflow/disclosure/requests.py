"""依申请公开 (政府信息公开条例 2019) steps: 补正 and its completion or expiry (视为撤回), 征求第三方意见
and 会商, 延期 with approval, the Art. 36 reply, 归档.

Each step checks everything before it changes anything (the caller owns the transaction, so a
refusal saves nothing), records an audit event, and moves the clock through ClockAdjustment rows
(ledger.workflow.item_clock recomputes the deadline). Dates staff enter (when the notice went out,
when the completed request came) may be earlier than now but never before receipt.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.models import (
    AdjustmentStatus,
    ClockAdjustment,
    CorrectionNotice,
    DisclosureRequest,
    Item,
    ItemStatus,
    Reply,
    ReplyStatus,
    Role,
    User,
)
from ledger.workflow.disclosure.catalogue import DisclosureCatalogue
from ledger.workflow.guards import Clock, WorkflowError, load_item, require_role, touch
from ledger.workflow.item_clock import apply_deadline

ITEM_TYPE = "foi_request"
# The 政府信息公开工作机构 is often the 办公室 (分办员); the 处室 handle their own applications.
ROLES = (Role.TRIAGE, Role.HANDLER, Role.REVIEWER, Role.ADMIN)
CORRECTION_WITHIN = 7  # working days (Art. 30)
THIRD_PARTY = "征求第三方意见"  # Art. 32: the clock pauses (15 working days at most)
JOINT = "会商"  # consulting another body: recorded, the clock runs on
CONSULT_KINDS = (THIRD_PARTY, JOINT)
HANDLING = (ItemStatus.NEW, ItemStatus.IN_PROGRESS)
SYSTEM = "系统"


def request_of(session: Session, item: Item) -> DisclosureRequest | None:
    return session.get(DisclosureRequest, item.id)


def register_application(
    session: Session,
    user: User,
    item: Item,
    catalogue: DisclosureCatalogue,
    *,
    applicant_type: str,
    name: str | None,
    address: str | None,
    now: datetime,
) -> DisclosureRequest:
    """The applicant, captured when the application is entered (same transaction as the item)."""
    if item.item_type != ITEM_TYPE:
        raise WorkflowError("只有依申请公开事项才登记申请人情况。")
    req = DisclosureRequest(
        item_id=item.id,
        applicant_type=catalogue.check_applicant_type(applicant_type),
        applicant_name=(name or "").strip()[:120] or None,
        applicant_address=(address or "").strip()[:300] or None,
        created_at=now,
    )
    session.add(req)
    record_event(
        session, item, user, "登记申请人类型", after={"申请人类型": applicant_type}, at=now
    )
    session.flush()
    return req


def issue_correction(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    issued_at: datetime | None,
    to_complete: str,
    answer_by: date | None,
    now: datetime,
    clock: Clock,
) -> CorrectionNotice:
    """补正告知 (Art. 30): once, within 7 working days of receipt; the clock stops until the
    completed request arrives (then it restarts) or the stated date passes (视为撤回)."""
    item, req = load_request(session, user, item_id, version, "发出补正告知")
    if req.corrections:
        raise WorkflowError("补正只能一次性告知（条例第三十条），本申请已发过补正告知。")
    require_state(item, HANDLING, "发出补正告知")
    issued_at = check_moment(item, issued_at, now, "补正告知日期")
    if not to_complete.strip():
        raise WorkflowError("请写明需要补正的事项（申请人应补充或更正什么）。")
    received = _local_date(item.received_at)
    last = clock.calendar.add_workdays(received, CORRECTION_WITHIN).end
    if _local_date(issued_at) > last:
        raise WorkflowError(
            f"补正告知应在收到申请后 {CORRECTION_WITHIN} 个工作日内发出（收到 {received}，"
            f"最迟 {last}），{_local_date(issued_at)} 已超过，未保存。"
        )
    if answer_by is None or answer_by <= _local_date(issued_at):
        raise WorkflowError("请填写申请人补正的截止日期（须晚于补正告知日期）。")
    notice = CorrectionNotice(
        issued_at=issued_at,
        to_complete=to_complete.strip(),
        answer_by=answer_by,
        issued_by_id=user.id,
    )
    req.corrections.append(notice)
    adjust_clock(item, user, "pause", issued_at, f"补正：{to_complete.strip()[:200]}")
    item.status = ItemStatus.CORRECTING
    apply_deadline(item, clock.rules, clock.calendar)
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "补正告知",
        after={"告知日期": _day(issued_at), "补正截止": str(answer_by), "状态": item.status},
        note=to_complete.strip()[:500],
        at=now,
    )
    session.flush()
    return notice


def record_completion(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    received_at: datetime | None,
    note: str,
    now: datetime,
    clock: Clock,
) -> Item:
    """收到补正后的申请: the 20-working-day clock restarts from that day (Art. 30)."""
    item, req = load_request(session, user, item_id, version, "记录补正材料")
    require_state(item, (ItemStatus.CORRECTING,), "记录补正材料")
    notice = req.corrections[-1]
    received_at = check_moment(item, received_at, now, "收到补正材料时间")
    if received_at < notice.issued_at:
        raise WorkflowError(
            f"收到补正材料时间早于补正告知日期（{_day(notice.issued_at)}），未保存。"
        )
    if _local_date(received_at) > notice.answer_by:
        raise WorkflowError(
            f"补正截止日期 {notice.answer_by} 已过，申请视为撤回（条例第三十条），不能再记录补正。"
        )
    notice.completed_at, notice.completed_note = received_at, note.strip() or None
    before_due = item.due_at
    adjust_clock(item, user, "restart", received_at, "收到补正后的申请，重新起算")
    item.status = handling_status(item)
    apply_deadline(item, clock.rules, clock.calendar)
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "收到补正材料",
        before={"状态": ItemStatus.CORRECTING.value, "办理时限": iso(before_due)},
        after={"收到时间": iso(received_at), "状态": item.status, "办理时限": iso(item.due_at)},
        note=note.strip()[:500] or None,
        at=now,
    )
    session.flush()
    return item


def expire_corrections(session: Session, now: datetime, item_id: int | None = None) -> list[int]:
    """Applications whose 补正 date has passed unanswered are deemed withdrawn (Art. 30).

    Run by `huiying remind` (all) and when an item page is opened (that item); each expiry is an
    audit event by 系统."""
    today = _local_date(now)
    stmt = select(Item).where(Item.item_type == ITEM_TYPE, Item.status == ItemStatus.CORRECTING)
    if item_id is not None:
        stmt = stmt.where(Item.id == item_id)
    rows = session.scalars(stmt).all()
    done = []
    for item in rows:
        req = request_of(session, item)
        if req is None or not req.corrections:
            continue
        notice = req.corrections[-1]
        if notice.completed_at is not None or today <= notice.answer_by:
            continue
        item.status = ItemStatus.WITHDRAWN
        item.closed_at = now
        req.withdrawn_at = now
        touch(item, now)
        record_event(
            session,
            item,
            SYSTEM,
            "视为撤回",
            before={"状态": ItemStatus.CORRECTING.value},
            after={"状态": item.status},
            note=f"补正截止 {notice.answer_by} 前未收到补正材料（条例第三十条）",
            at=now,
        )
        done.append(item.id)
    session.flush()
    return done


def reply(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    catalogue: DisclosureCatalogue,
    *,
    reply_type: str,
    ground: str | None,
    body: str | None,
    text: str,
    replied_at: datetime | None,
    now: datetime,
) -> DisclosureRequest:
    """答复 with an Art. 36 type; a type that needs a ground (or the right body) refuses without it."""
    item, req = load_request(session, user, item_id, version, "答复")
    require_state(item, HANDLING, "答复")
    decision = catalogue.decide(reply_type, ground, body)
    replied_at = check_moment(item, replied_at, now, "答复日期")
    if not text.strip():
        raise WorkflowError("请填写答复内容（答复告知书正文）。")
    req.reply_type = decision.reply.name
    req.reply_ground = decision.ground.label if decision.ground else None
    req.reply_body = decision.body
    req.reply_row = decision.row
    req.reply_text = text.strip()
    req.replied_at, req.replied_by_id = replied_at, user.id
    unit = user.department.name if user.department else None
    session.add(
        Reply(
            item=item,
            origin="staff",
            status=ReplyStatus.APPROVED,
            unit=unit,
            text=f"【{decision.reply.name}】{text.strip()}",
            author_id=user.id,
            created_at=now,
            reviewed_at=replied_at,
        )
    )
    before = {"状态": item.status}
    item.status = ItemStatus.REPLIED
    item.replied_at = replied_at
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "依申请公开答复",
        before=before,
        after={
            "答复类型": decision.reply.name,
            "理由": req.reply_ground,
            "负责机关": req.reply_body,
            "答复日期": _day(replied_at),
            "状态": item.status,
        },
        at=now,
    )
    session.flush()
    return req


def archive(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    archive_no: str,
    archived_on: date | None,
    now: datetime,
) -> DisclosureRequest:
    """归档: answered or withdrawn applications get an archive number; read-only afterwards."""
    item, req = load_request(session, user, item_id, version, "归档")
    require_state(item, (ItemStatus.REPLIED, ItemStatus.WITHDRAWN), "归档")
    if not archive_no.strip():
        raise WorkflowError("请填写档案号。")
    concluded = req.concluded_at
    if archived_on is None:
        raise WorkflowError("请填写归档日期。")
    if concluded is not None and archived_on < _local_date(concluded):
        raise WorkflowError(f"归档日期早于答复（撤回）日期 {_day(concluded)}，未保存。")
    if archived_on > _local_date(now):
        raise WorkflowError("归档日期不能是将来的日期。")
    req.archive_no, req.archived_on, req.archived_by_id = (
        archive_no.strip()[:60],
        archived_on,
        user.id,
    )
    before = {"状态": item.status}
    item.status = ItemStatus.ARCHIVED
    item.closed_at = item.closed_at or now
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "归档",
        before=before,
        after={"档案号": req.archive_no, "归档日期": str(archived_on), "状态": item.status},
        at=now,
    )
    session.flush()
    return req


# -- shared with ledger.workflow.disclosure.consultations ---------------------------------


def load_request(
    session: Session, user: User, item_id: int, version: int | None, action: str
) -> tuple[Item, DisclosureRequest]:
    require_role(user, ROLES, action)
    item = load_item(session, user, item_id, version)
    if item.item_type != ITEM_TYPE:
        raise WorkflowError(f"只有依申请公开事项可以{action}。")
    if item.status == ItemStatus.ARCHIVED:
        raise WorkflowError("该申请已归档，只读，不能再修改。")
    req = request_of(session, item)
    if req is None:
        raise WorkflowError("该申请没有登记申请人情况（申请人类型），请先补登。")
    return item, req


def handling_status(item: Item) -> ItemStatus:
    """Back from a pause: with its 处室 when it has one, else waiting for triage."""
    return ItemStatus.IN_PROGRESS if item.department_id is not None else ItemStatus.NEW


def require_state(item: Item, statuses: tuple[ItemStatus, ...], action: str) -> None:
    if item.status not in statuses:
        allowed = "、".join(s.value for s in statuses)
        raise WorkflowError(f"申请当前状态为「{item.status}」，不能{action}（需为：{allowed}）。")


def check_moment(item: Item, moment: datetime | None, now: datetime, label: str) -> datetime:
    if moment is None:
        raise WorkflowError(f"请填写{label}。")
    if moment.utcoffset() is None:
        raise ValueError(f"{label} 必须带时区")
    if moment < item.received_at:
        raise WorkflowError(
            f"{label}（{_fmt(moment)}）早于收到申请时间（{_fmt(item.received_at)}），未保存。"
        )
    if moment > now:
        raise WorkflowError(f"{label}（{_fmt(moment)}）晚于现在，不能是将来的时间，未保存。")
    return moment


def adjust_clock(item: Item, user: User, kind: str, at: datetime, reason: str) -> ClockAdjustment:
    adj = ClockAdjustment(
        kind=kind,
        at=at,
        reason=reason,
        status=AdjustmentStatus.APPROVED,
        requested_by_id=user.id,
        approved_by_id=user.id,
    )
    item.clock_adjustments.append(adj)
    return adj


def _local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def _day(moment: datetime) -> str:
    return str(_local_date(moment))


def _fmt(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
