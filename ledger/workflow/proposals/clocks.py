"""The clocks of a 人大建议/政协提案 as staff see them — on the item page, on the 督办 board and in
reminders: the 主办's reply clock (the item's deadline), each 协办 处室's opinion clock and the
"not ours" report window. Each line carries its explanation (how it was computed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from ledger.audit import record_event
from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import SHANGHAI
from ledger.models import Item, Proposal, ProposalCoHandler, ReminderLog, User
from ledger.states import PROPOSAL
from ledger.workflow.notices import department_users, notify
from ledger.workflow.proposals.steps import fmt

OPEN = tuple(sorted(PROPOSAL.clock_running))


@dataclass(frozen=True)
class ClockLine:
    label: str  # 主办答复 / 协办意见（处室） / 非本单位办理说明
    due_at: datetime | None
    state: str  # 正常 / 黄牌 / 红牌 / 已完成 / 已过 / 停止
    done: str = ""  # what ended it (答复时间, 意见时间, ...)
    explanation: list[str] = field(default_factory=list)


def _state(due: datetime | None, now: datetime, warn: datetime | None = None) -> str:
    if due is None:
        return "正常"
    if now > due:
        return "红牌"
    return "黄牌" if warn is not None and now >= warn else "正常"


def clocks_of(proposal: Proposal, now: datetime) -> list[ClockLine]:
    item = proposal.item
    running = item.status in OPEN
    if item.replied_at is not None:
        lead_state, lead_done = "已完成", f"已于 {fmt(item.replied_at)} 答复"
    elif running:
        lead_state, lead_done = _state(item.due_at, now, item.warn_at), ""
    else:
        lead_state, lead_done = "停止", f"事项{item.status}"
    lines = [
        ClockLine(
            f"主办答复（{proposal.lead_department.name}）",
            item.due_at,
            lead_state,
            lead_done,
            list(item.deadline_explanation),
        )
    ]
    for share in proposal.cohandlers:
        if share.opinion_at is not None:
            late = "（逾期）" if share.opinion_at > share.due_at else ""
            state, done = "已完成", f"已于 {fmt(share.opinion_at)} 提出意见{late}"
        elif running:
            state, done = _state(share.due_at, now), ""
        else:
            state, done = "停止", f"事项{item.status}"
        lines.append(
            ClockLine(
                f"协办意见（{share.department.name}）",
                share.due_at,
                state,
                done,
                list(share.explanation),
            )
        )
    if proposal.not_ours_reported_at is not None:
        state, done = "已完成", f"已于 {fmt(proposal.not_ours_reported_at)} 向交办机关说明"
    elif now > proposal.not_ours_due_at:
        state, done = "已过", "未在时限内提出，视为本单位办理"
    elif running:
        state, done = "正常", "如不属本单位职责，须在此前向交办机关说明"
    else:
        state, done = "停止", f"事项{item.status}"
    lines.append(
        ClockLine(
            "非本单位办理说明",
            proposal.not_ours_due_at,
            state,
            done,
            list(proposal.not_ours_explanation),
        )
    )
    return lines


# -- 督办 board --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardLine:
    item_id: int
    external_id: str
    title: str
    clock: str
    department: str
    due_at: datetime
    state: str


def board_lines(session: Session, user: User, now: datetime, limit: int = 100) -> list[BoardLine]:
    """Open 协办 opinions and open "not ours" windows of the proposals `user` may see (the
    办公室 all; a 处室 the ones it leads or co-handles), the most pressing first."""
    stmt = (
        select(Proposal)
        .join(Item, Item.id == Proposal.item_id)
        .where(Item.status.in_(OPEN))
        .options(
            joinedload(Proposal.item),
            selectinload(Proposal.cohandlers).joinedload(ProposalCoHandler.department),
            joinedload(Proposal.lead_department),
        )
    )
    if not user.sees_all_departments:
        shared = select(ProposalCoHandler.proposal_id).where(
            ProposalCoHandler.department_id == user.department_id
        )
        stmt = stmt.where(
            or_(Proposal.lead_department_id == user.department_id, Proposal.id.in_(shared))
        )
    lines: list[BoardLine] = []
    for p in session.scalars(stmt).unique():
        for share in p.cohandlers:
            if share.opinion_at is None:
                lines.append(
                    BoardLine(
                        p.item_id,
                        p.item.external_id,
                        p.item.title,
                        "协办意见",
                        share.department.name,
                        share.due_at,
                        _state(share.due_at, now),
                    )
                )
        if p.not_ours_reported_at is None and now <= p.not_ours_due_at:
            lines.append(
                BoardLine(
                    p.item_id,
                    p.item.external_id,
                    p.item.title,
                    "非本单位办理说明",
                    p.lead_department.name,
                    p.not_ours_due_at,
                    "正常",
                )
            )
    lines.sort(key=lambda b: (b.due_at, b.item_id))
    return lines[:limit]


# -- reminders -----------------------------------------------------------------------------------

COHANDLER_OVERDUE = "协办逾期"
NOT_OURS_WINDOW = "退回提醒"


def run_proposal_reminders(session: Session, now: datetime, calendar: WorkingCalendar) -> int:
    """Once per clock and due time: a 协办 opinion overdue (to the 协办 and the 主办 处室), and
    the last working day of the "not ours" window (to the 主办). Returns notices sent."""
    sent = 0
    proposals = session.scalars(
        select(Proposal)
        .join(Item, Item.id == Proposal.item_id)
        .where(Item.status.in_(OPEN))
        .options(joinedload(Proposal.item), selectinload(Proposal.cohandlers))
    ).unique()
    for p in proposals:
        item = p.item
        for share in p.cohandlers:
            if share.opinion_at is None and now > share.due_at:
                users = department_users(session, share.department_id) + department_users(
                    session, p.lead_department_id
                )
                text = (
                    f"协办意见逾期：「{item.title}」（{p.number}号）的协办意见应于 "
                    f"{fmt(share.due_at)} 前送主办处室，请即办理。"
                )
                # no link for the 协办 处室: it sees its 协办 page, not the item itself
                sent += _once(
                    session,
                    item,
                    COHANDLER_OVERDUE,
                    share.department_id,
                    share.due_at,
                    users,
                    text,
                    now,
                    link=False,
                )
        if p.not_ours_reported_at is None and now <= p.not_ours_due_at:
            due_day = p.not_ours_due_at.astimezone(SHANGHAI).date()
            last = calendar.add_workdays(due_day, -1).end + timedelta(days=1)
            if now >= datetime.combine(last, time(0), SHANGHAI):
                users = department_users(session, p.lead_department_id)
                text = (
                    f"「{item.title}」（{p.number}号）如不属本单位办理，须于 {fmt(p.not_ours_due_at)} "
                    "前向交办机关说明；逾期视为本单位办理。"
                )
                sent += _once(
                    session, item, NOT_OURS_WINDOW, 0, p.not_ours_due_at, users, text, now
                )
    session.flush()
    return sent


def _once(
    session: Session,
    item: Item,
    kind: str,
    level: int,
    due_at: datetime,
    users: list[User],
    text: str,
    now: datetime,
    *,
    link: bool = True,
) -> int:
    """Log the reminder (unique per item, kind, level, due time) and notify; 0 if already sent."""
    entry = ReminderLog(
        item_id=item.id,
        kind=kind,
        level=level,
        level_name=kind,
        due_at=due_at,
        sent_at=now,
        recipients=[u.username for u in users],
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        return 0  # another run sent it first
    record_event(session, item, "system", kind, after={"通知": entry.recipients}, note=text, at=now)
    return len(notify(session, users, item if link else None, "催办", text, now))
