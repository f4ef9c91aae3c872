"""Registering a 人大建议/政协提案: the 交办 with its batch, number, proposer, 主办 and 协办 处室.

Everything is checked first (every problem named in one message); then the item goes through
manual entry, i.e. the one intake path (idempotent on the form's token, duplicates, deadline from
the 交办 day), and the proposal's own rows are added in the same transaction, which the caller owns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI, RuleBook, UnknownItemType
from ledger.clock.proposals import ProposalClockRules
from ledger.intake.manual.attachments import Upload
from ledger.intake.manual.entry_numbers import registered_item
from ledger.intake.manual.manual_entry import ManualEntry, register
from ledger.intake.manual.receipt import ReceiptRules
from ledger.intake.pipeline import IntakeContext, IntakeResult
from ledger.intake.record_checks import IntakeError
from ledger.masking import mask_name
from ledger.models import (
    Department,
    Item,
    ItemStatus,
    Proposal,
    ProposalCoHandler,
    ProposalKind,
    RoutingDecision,
    User,
)
from ledger.workflow.guards import Clock, require_role
from ledger.workflow.notices import department_users, notify
from ledger.workflow.proposals.steps import CHANNEL, ITEM_TYPE, OFFICE_ROLES, fmt


@dataclass(frozen=True)
class ProposalEntry:
    token: str
    kind: str
    year: int | None
    batch: str
    number: str
    proposer: str
    title: str
    body: str
    assigned_at: datetime | None  # 交办时间
    lead: str  # 主办 处室 code
    cohandlers: Sequence[str] = ()  # 协办 处室 codes
    assigning_body: str = ""
    uploads: list[Upload] = field(default_factory=list)


def refuse_generic_entry(item_type: str, rules: RuleBook) -> None:
    """The general entry form must not register a 建议提案 without its 交办 details."""
    try:
        key = rules.get(item_type).key if item_type.strip() else ""
    except UnknownItemType:
        return  # manual entry names the unknown type itself
    if key == ITEM_TYPE:
        raise IntakeError(
            "人大建议、政协提案须登记批次、编号、主办和协办处室：请用“建议提案登记”表单（建议提案 → 登记建议提案）"
        )


def register_proposal(
    session: Session,
    user: User,
    entry: ProposalEntry,
    ctx: IntakeContext,
    receipts: ReceiptRules,
    clocks: ProposalClockRules,
    clock: Clock,
    *,
    now: datetime,
) -> IntakeResult:
    """Check everything, then register through manual entry (the one intake path) and add the
    proposal's own rows. Raises IntakeError with every problem found; nothing is saved then."""
    require_role(user, OFFICE_ROLES, "登记建议提案")
    kind, lead, cohandlers = _check_entry(session, entry, now)
    existing = session.scalar(
        select(Proposal).where(
            Proposal.year == entry.year, Proposal.kind == kind, Proposal.number == entry.number
        )
    )
    if existing is not None and existing.item_id != registered_item(session, entry.token):
        raise IntakeError(
            f"{entry.year} 年{kind.value}第 {entry.number} 号已登记（事项 {existing.item.external_id}），"
            "不能重复登记"
        )
    result = register(
        session,
        user,
        ManualEntry(
            token=entry.token,
            item_type=ITEM_TYPE,
            channel=CHANNEL,
            title=entry.title,
            body=entry.body,
            received_at=entry.assigned_at,
            author=entry.proposer,
            uploads=entry.uploads,
        ),
        ctx,
        receipts,
        now=now,
    )
    if result.outcome != "new":
        return result  # the same form again: registered once
    item = session.get(Item, result.item_id)
    assert item is not None and entry.assigned_at is not None
    before = {"处室": item.department.name if item.department else None, "状态": item.status}
    item.department = lead  # the 交办 names the 主办: no routing guess
    if item.status == ItemStatus.NEW:
        item.status = ItemStatus.IN_PROGRESS
    # Shown in the 分办历史; not a training example: the 交办 decided, nobody triaged.
    session.add(
        RoutingDecision(
            item_id=item.id,
            department_id=lead.id,
            method="confirmed",
            decided_by_id=user.id,
            reason="交办通知确定的主办处室",
        )
    )
    window = clocks.not_ours_due(entry.assigned_at, clock.calendar)
    proposal = Proposal(
        item=item,
        kind=kind,
        year=entry.year,
        batch=entry.batch.strip(),
        number=entry.number.strip(),
        proposer=entry.proposer.strip(),
        assigning_body=entry.assigning_body.strip(),
        assigned_at=entry.assigned_at,
        lead_department_id=lead.id,
        not_ours_due_at=window.due_at,
        not_ours_explanation=window.explain(),
        round=1,
        reply_files=[],
    )
    opinion = clocks.opinion_due(entry.assigned_at, clock.calendar)
    for dept in cohandlers:
        proposal.cohandlers.append(
            ProposalCoHandler(
                department_id=dept.id, due_at=opinion.due_at, explanation=opinion.explain()
            )
        )
    session.add(proposal)
    record_event(
        session,
        item,
        user,
        "建议提案交办",
        before=before,
        after={
            "类别": kind.value,
            "批次": f"{entry.year}年{proposal.batch}",
            "编号": proposal.number,
            "代表委员": mask_name(proposal.proposer),
            "主办": lead.name,
            "协办": "、".join(d.name for d in cohandlers) or None,
            "处室": lead.name,
            "状态": item.status,
        },
        at=now,
    )
    for dept in cohandlers:
        notify(
            session,
            department_users(session, dept.id),
            None,  # the 协办 处室 does not see the item itself, only its 协办 page
            "协办",
            f"协办{kind.value}：「{item.title}」（{proposal.number}号），"
            f"请于 {fmt(opinion.due_at)} 前向主办处室（{lead.name}）提出协办意见",
            now,
        )
    session.flush()
    return result


def _check_entry(
    session: Session, entry: ProposalEntry, now: datetime
) -> tuple[ProposalKind, Department, list[Department]]:
    problems: list[str] = []
    missing = [
        label
        for label, value in (
            ("类别", entry.kind),
            ("批次", entry.batch),
            ("编号", entry.number),
            ("代表/委员", entry.proposer),
            ("标题", entry.title),
            ("内容", entry.body),
            ("主办处室", entry.lead),
        )
        if not (value or "").strip()
    ]
    if entry.year is None:
        missing.insert(1, "年度")
    if entry.assigned_at is None:
        missing.append("交办时间")
    if missing:
        problems.append("请填写：" + "、".join(missing))
    kind = None
    if entry.kind.strip():
        try:
            kind = ProposalKind(entry.kind.strip())
        except ValueError:
            problems.append(f"类别“{entry.kind}”无效（应为人大建议或政协提案）")
    if entry.year is not None and entry.assigned_at is not None:
        year = entry.assigned_at.astimezone(SHANGHAI).year
        if not year - 1 <= entry.year <= year:
            problems.append(f"年度 {entry.year} 与交办时间（{year} 年）不符")
    for label, value, limit in (("批次", entry.batch, 40), ("编号", entry.number, 40)):
        if len(value.strip()) > limit:
            problems.append(f"{label}超过 {limit} 字")
    if len(entry.proposer.strip()) > 120:
        problems.append("代表/委员超过 120 字")
    departments = {d.code: d for d in session.scalars(select(Department))}
    lead = departments.get(entry.lead.strip()) if entry.lead.strip() else None
    if entry.lead.strip() and (lead is None or not lead.active or lead.code == "not_ours"):
        problems.append(f"主办处室“{entry.lead}”不在处室目录中")
    cohandlers: list[Department] = []
    for code in dict.fromkeys(c.strip() for c in entry.cohandlers if c.strip()):
        dept = departments.get(code)
        if dept is None or not dept.active or dept.code == "not_ours":
            problems.append(f"协办处室“{code}”不在处室目录中")
        elif lead is not None and dept.id == lead.id:
            problems.append(f"{dept.name}已是主办处室，不能同时协办")
        else:
            cohandlers.append(dept)
    if problems:
        raise IntakeError("；".join(problems))
    assert kind is not None and lead is not None
    return kind, lead, cohandlers
