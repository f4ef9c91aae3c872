"""Decisions on 依申请→主动公开 candidates: accept (处室 + due date), dismiss (reason), publish (URL +
date). Each decision is kept on the candidate row and written to the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.models import CandidateStatus, Department, DisclosureCandidate, Role, User
from ledger.workflow.guards import WorkflowError, require_role

DECIDERS = (Role.ANALYST, Role.ADMIN)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _snapshot(c: DisclosureCandidate) -> dict[str, object]:
    return {
        "candidate": c.key,
        "title": c.title,
        "status": c.status,
        "department_id": c.department_id,
        "due_on": c.due_on.isoformat() if c.due_on else None,
        "reason": c.reason,
        "publication_url": c.publication_url,
        "published_on": c.published_on.isoformat() if c.published_on else None,
    }


def decisions(session: Session) -> list[DisclosureCandidate]:
    return list(session.scalars(select(DisclosureCandidate).order_by(DisclosureCandidate.id)))


def _get_or_new(session: Session, key: str, **fields: object) -> DisclosureCandidate:
    found = session.scalar(select(DisclosureCandidate).where(DisclosureCandidate.key == key))
    if found is not None:
        return found
    c = DisclosureCandidate(key=key, **fields)
    session.add(c)
    return c


def accept(
    session: Session,
    user: User,
    *,
    key: str,
    title: str,
    subject: str,
    keywords: list[str],
    month: str,
    evidence_item_ids: list[int],
    senders: int,
    department_id: int,
    due_on: date,
    now: datetime,
) -> DisclosureCandidate:
    require_role(user, DECIDERS, "采纳公开建议")
    title = title.strip()
    if not title or len(title) > 300:
        raise WorkflowError("请填写拟公开的标题（300 字以内）。")
    dept = session.get(Department, department_id)
    if dept is None or not dept.active:
        raise WorkflowError("请选择负责公开的处室。")
    if due_on < _today(now):
        raise WorkflowError("公开期限不能早于今天。")
    c = _get_or_new(
        session,
        key,
        title=title,
        subject=subject,
        keywords=keywords,
        month=month,
        evidence_item_ids=evidence_item_ids,
        senders=senders,
        status=CandidateStatus.ACCEPTED,
    )
    if c.status == CandidateStatus.PUBLISHED:
        raise WorkflowError("该建议已公开，不能再改为采纳。")
    before = _snapshot(c) if c.id else None
    c.title, c.status, c.department_id, c.due_on = title, CandidateStatus.ACCEPTED, dept.id, due_on
    c.reason, c.decided_by_id, c.decided_at = None, user.id, now
    session.flush()
    record_event(session, None, user, "公开建议采纳", before=before, after=_snapshot(c), at=now)
    return c


def dismiss(
    session: Session,
    user: User,
    *,
    key: str,
    title: str,
    subject: str,
    keywords: list[str],
    month: str,
    evidence_item_ids: list[int],
    senders: int,
    reason: str,
    now: datetime,
) -> DisclosureCandidate:
    require_role(user, DECIDERS, "驳回公开建议")
    reason = reason.strip()
    if not reason:
        raise WorkflowError("不予公开须写明理由。")
    c = _get_or_new(
        session,
        key,
        title=(title.strip() or subject)[:300],
        subject=subject,
        keywords=keywords,
        month=month,
        evidence_item_ids=evidence_item_ids,
        senders=senders,
        status=CandidateStatus.DISMISSED,
    )
    if c.status == CandidateStatus.PUBLISHED:
        raise WorkflowError("该建议已公开，不能再驳回。")
    before = _snapshot(c) if c.id else None
    c.status, c.reason, c.decided_by_id, c.decided_at = (
        CandidateStatus.DISMISSED,
        reason,
        user.id,
        now,
    )
    session.flush()
    record_event(session, None, user, "公开建议不予公开", before=before, after=_snapshot(c), at=now)
    return c


def publish(
    session: Session,
    user: User,
    candidate_id: int,
    *,
    url: str,
    published_on: date,
    now: datetime,
    version: int | None = None,
) -> DisclosureCandidate:
    require_role(user, DECIDERS, "登记公开结果")
    c = session.get(DisclosureCandidate, candidate_id)
    if c is None:
        raise WorkflowError("没有这条公开建议。")
    if version is not None and version != c.version:
        raise WorkflowError("该建议刚被他人修改，请刷新后重试。")
    if c.status != CandidateStatus.ACCEPTED:
        raise WorkflowError("只有已采纳的建议可以登记公开结果。")
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url.strip()) > 1000:
        raise WorkflowError("公开网址应以 http:// 或 https:// 开头。")
    if published_on > _today(now):
        raise WorkflowError("公开日期不能晚于今天。")
    before = _snapshot(c)
    c.status, c.publication_url, c.published_on = (
        CandidateStatus.PUBLISHED,
        url.strip(),
        published_on,
    )
    c.decided_by_id, c.decided_at = user.id, now
    session.flush()
    record_event(session, None, user, "公开建议已公开", before=before, after=_snapshot(c), at=now)
    return c
