"""人大建议/政协提案: registration through the one intake path, and the handling steps.

交办 (registered by the 办公室 with its 主办 and 协办 处室) → 办理中 (协办意见 collected, 面商/沟通
recorded) → 复文 submitted to review (ledger.workflow.handling / review, as every reply) → 已答复 →
代表/委员 satisfaction: 满意/基本满意 → 已办结, 不满意 → 再次办理. Not ours → 已退回 (reported to
the 交办机关 within 5 working days). Every function checks all of its input before it writes, so a
refusal (WorkflowError / IntakeError, a Chinese message) leaves nothing half-saved; the caller owns
the transaction.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.clock.proposals import ProposalClockRules
from ledger.intake.manual.attachments import Upload, attachment_dir, check_uploads, store_uploads
from ledger.models import (
    ContactForm,
    Item,
    ItemStatus,
    Proposal,
    ProposalCoHandler,
    ProposalContact,
    Role,
    Satisfaction,
    User,
)
from ledger.queries import get_item
from ledger.workflow import handling
from ledger.workflow.guards import (
    Clock,
    NotPermitted,
    WorkflowError,
    check_version,
    require_status,
    touch,
)
from ledger.workflow.notices import department_users, notify
from ledger.workflow.proposals.checks import check_reply_ready

ITEM_TYPE = "proposal"  # the deadline rule key (aliases 建议提案, 人大建议, 政协提案, ...)
CHANNEL = "上级交办"  # receipt rule: the 交办 day is day zero
OFFICE_ROLES = (Role.TRIAGE, Role.ADMIN)  # the 办公室 registers and follows proposals up
LEAD_ROLES = (Role.HANDLER, Role.REVIEWER)


def proposal_of(session: Session, item_id: int) -> Proposal | None:
    return session.scalar(select(Proposal).where(Proposal.item_id == item_id))


# -- handling -----------------------------------------------------------------------------------


def _load(session: Session, user: User, item_id: int, version: int | None) -> tuple[Item, Proposal]:
    item = get_item(session, user, item_id)  # not visible → NotVisible (404)
    proposal = proposal_of(session, item.id)
    if proposal is None:
        raise WorkflowError("该事项没有建议提案的交办信息。")
    check_version(item, version)
    return item, proposal


def _require_lead_or_office(user: User, proposal: Proposal, action: str) -> None:
    if user.has_role(*OFFICE_ROLES):
        return
    if user.has_role(*LEAD_ROLES) and user.department_id == proposal.lead_department_id:
        return
    raise NotPermitted(f"只有办公室或主办处室可以{action}。")


def _check_moment(at: datetime | None, label: str, proposal: Proposal, now: datetime) -> datetime:
    if at is None:
        raise WorkflowError(f"请填写{label}。")
    if at < proposal.assigned_at:
        raise WorkflowError(
            f"{label}（{fmt(at)}）早于交办时间（{fmt(proposal.assigned_at)}），请核对。"
        )
    if at > now:
        raise WorkflowError(f"{label}（{fmt(at)}）晚于现在，不能是将来的时间。")
    return at


def record_opinion(
    session: Session,
    user: User,
    item_id: int,
    department_id: int,
    text: str,
    at: datetime | None,
    *,
    now: datetime,
) -> ProposalCoHandler:
    """A 协办 处室's opinion, entered by that 处室, by the 主办 or by the 办公室 on receipt."""
    share = session.scalar(
        select(ProposalCoHandler)
        .join(Proposal)
        .where(Proposal.item_id == item_id, ProposalCoHandler.department_id == department_id)
    )
    own = share is not None and user.has_role(*LEAD_ROLES) and user.department_id == department_id
    if not own:  # only the 协办 处室 itself works on an item it may not otherwise see
        get_item(session, user, item_id)  # NotVisible: "not found", as for any hidden item
    if share is None:
        raise WorkflowError("该处室不是这件建议提案的协办处室。")
    proposal = share.proposal
    if not own:
        _require_lead_or_office(user, proposal, "登记协办意见")
    item = proposal.item
    if item.status not in (ItemStatus.NEW, ItemStatus.IN_PROGRESS):
        raise WorkflowError(f"事项当前状态为「{item.status}」，不能再登记协办意见。")
    if not text.strip():
        raise WorkflowError("协办意见不能为空。")
    at = _check_moment(at, "协办意见时间", proposal, now)
    before = {"协办意见": share.opinion[:200]} if share.opinion else None
    share.opinion, share.opinion_at, share.opinion_by_id = text.strip(), at, user.id
    touch(item, now)
    late = "（逾期）" if at > share.due_at else ""
    record_event(
        session,
        item,
        user,
        "协办意见",
        before=before,
        after={"协办处室": share.department.name, "协办意见": text.strip()[:200]},
        note=f"{fmt(at)} 提出{late}；协办时限 {fmt(share.due_at)}",
        at=now,
    )
    session.flush()
    return share


def record_contact(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    at: datetime | None,
    form: str,
    participants: str,
    summary: str,
    now: datetime,
) -> ProposalContact:
    item, proposal = _load(session, user, item_id, version)
    _require_lead_or_office(user, proposal, "登记面商/沟通")
    problems = []
    try:
        how = ContactForm(form.strip())
    except ValueError:
        how = None
        problems.append(f"沟通方式“{form}”无效（应为 {'、'.join(f.value for f in ContactForm)}）")
    if not participants.strip():
        problems.append("请填写参加人员")
    if not summary.strip():
        problems.append("请填写沟通内容")
    if len(participants.strip()) > 300:
        problems.append("参加人员超过 300 字")
    if problems:
        raise WorkflowError("；".join(problems) + "。")
    assert how is not None
    at = _check_moment(at, "沟通时间", proposal, now)
    contact = ProposalContact(
        at=at,
        form=how,
        participants=participants.strip(),
        summary=summary.strip(),
        recorded_by_id=user.id,
        created_at=now,
    )
    proposal.contacts.append(contact)
    touch(item, now)
    record_event(
        session,
        item,
        user,
        f"{how.value}沟通",
        after={"时间": fmt(at), "参加人员": contact.participants, "内容": contact.summary[:200]},
        at=now,
    )
    session.flush()
    return contact


def save_reply(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    text: str,
    uploads: list[Upload],
    instance_dir: Path | None,
    submit_now: bool,
    now: datetime,
) -> list[Path]:
    """The 复文: saved as the item's reply draft (and its files kept with the item's attachments),
    then, when `submit_now`, submitted to the 处室's reviewer like every reply. Returns the files
    written, for the caller to remove if its commit fails."""
    item, proposal = _load(session, user, item_id, version)
    if not user.has_role(*LEAD_ROLES) or user.department_id != proposal.lead_department_id:
        raise NotPermitted("复文由主办处室起草、提交审核。")
    check_uploads(uploads)
    note = check_reply_ready(proposal, now) if submit_now else None
    handling.save_draft(session, user, item.id, item.version, text, now=now)
    written: list[Path] = []
    if uploads:
        if instance_dir is None:
            raise WorkflowError("未配置实例目录，不能保存复文附件。")
        listing = list(item.extra.get("附件", []))
        start = max((int(e["no"]) for e in listing), default=0)
        stored = store_uploads(instance_dir, item.id, uploads)
        written = [attachment_dir(instance_dir, item.id) / str(e["stored"]) for e in stored]
        for n, entry in enumerate(stored, start=start + 1):
            entry.update(no=n, name=f"复文-{entry['name']}")
        item.extra = {**item.extra, "附件": listing + stored}
        proposal.reply_files = [*proposal.reply_files, *stored]
        record_event(
            session, item, user, "复文附件", after={"附件": [e["name"] for e in stored]}, at=now
        )
    if submit_now:
        session.flush()
        handling.submit(session, user, item.id, item.version, now=now)
        if note:
            record_event(session, item, user, "复文提交说明", note=note, at=now)
    session.flush()
    return written


def record_satisfaction(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    value: str,
    at: datetime | None,
    note: str,
    clocks: ProposalClockRules,
    clock: Clock,
    now: datetime,
) -> Proposal:
    """满意/基本满意 close the item (已办结); 不满意 reopens it for 再次办理 with its own clock."""
    item, proposal = _load(session, user, item_id, version)
    _require_lead_or_office(user, proposal, "登记代表/委员满意度")
    require_status(item, [ItemStatus.REPLIED], "登记满意度")
    try:
        verdict = Satisfaction(value.strip())
    except ValueError:
        raise WorkflowError(
            f"满意度“{value}”无效（应为 {'、'.join(s.value for s in Satisfaction)}）。"
        ) from None
    at = _check_moment(at, "反馈时间", proposal, now)
    # forms give minutes: feedback in the reply's own minute is not "before" it
    if item.replied_at is not None and at < item.replied_at.replace(second=0, microsecond=0):
        raise WorkflowError(f"反馈时间（{fmt(at)}）早于答复时间（{fmt(item.replied_at)}）。")
    if verdict is Satisfaction.UNSATISFIED and not note.strip():
        raise WorkflowError("代表/委员不满意的，请写明不满意的原因，以便再次办理。")
    before = {"状态": item.status, "满意度": proposal.satisfaction}
    proposal.satisfaction, proposal.satisfaction_at = verdict, at
    item.satisfaction = verdict.value
    if verdict is Satisfaction.UNSATISFIED:
        again = clocks.rehandling_due(at, clock.calendar)
        item.status = ItemStatus.IN_PROGRESS
        item.replied_at = None
        proposal.round += 1
        item.due_at, item.warn_at = again.due_at, again.warn_at
        item.deadline_explanation = [
            f"第 {proposal.round} 轮办理（不满意后再次办理）：",
            *again.explain(),
        ]
        item.deadline_warnings = list(again.warnings)
        action = "不满意，再次办理"
    else:
        item.status = ItemStatus.CLOSED
        item.closed_at = at
        action = "办结"
    touch(item, now)
    record_event(
        session,
        item,
        user,
        f"代表委员满意度：{action}",
        before=before,
        after={"满意度": verdict.value, "状态": item.status, "反馈时间": fmt(at)},
        note=note.strip() or None,
        at=now,
    )
    if verdict is Satisfaction.UNSATISFIED:
        notify(
            session,
            department_users(session, proposal.lead_department_id),
            item,
            "退回",
            f"{proposal.kind.member}对答复不满意，请再次办理：「{item.title}」，"
            f"于 {fmt(item.due_at or at)} 前重新答复",
            now,
        )
    session.flush()
    return proposal


def report_not_ours(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    reason: str,
    at: datetime | None,
    now: datetime,
) -> Proposal:
    """非本单位办理: reported to the 交办机关, the item is sent back (已退回). A late report is
    recorded as late, never refused: the fact that it was reported must be in the ledger."""
    item, proposal = _load(session, user, item_id, version)
    _require_lead_or_office(user, proposal, "报告非本单位办理")
    require_status(item, [ItemStatus.NEW, ItemStatus.IN_PROGRESS], "退回交办机关")
    if not reason.strip():
        raise WorkflowError("请写明不属于本单位办理的理由（以及建议的承办单位）。")
    at = _check_moment(at, "向交办机关说明的时间", proposal, now)
    on_time = at <= proposal.not_ours_due_at
    proposal.not_ours_reported_at, proposal.not_ours_reason = at, reason.strip()
    before = {"状态": item.status}
    item.status = ItemStatus.RETURNED
    item.closed_at = at
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "非本单位办理，退回交办机关",
        before=before,
        after={"状态": item.status, "说明时间": fmt(at), "理由": reason.strip()[:200]},
        note=(
            f"在时限（{fmt(proposal.not_ours_due_at)}）内说明"
            if on_time
            else f"超过时限（{fmt(proposal.not_ours_due_at)}）才说明"
        ),
        at=now,
    )
    session.flush()
    return proposal


def fmt(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
