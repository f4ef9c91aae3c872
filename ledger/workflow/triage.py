"""分办 (triage): confirm or change the route, merge duplicates (and undo), 回退 非本厅职责, priority.

Every confirmed or corrected route is a RoutingDecision with is_training_example=True: the
classifier retrains from those rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.masking import mask_personal_data
from ledger.models import Department, Event, Item, ItemStatus, Role, RoutingDecision, User
from ledger.queries import NotVisible, get_item, visible_items
from ledger.workflow.guards import (
    Clock,
    MissingVersion,
    VersionConflict,
    WorkflowError,
    load_item,
    refuse_while_paused,
    require_role,
    require_status,
    touch,
)
from ledger.workflow.notices import department_users, notify
from ledger.workflow.proposals.lead import lead_follows_item
from ledger.workflow.report_back import HOTLINE_CHANNEL, ReportBack, record_report_back

TRIAGE_ROLES = (Role.TRIAGE, Role.ADMIN)
NOT_OURS = "not_ours"
PRIORITIES = ("普通", "较急", "紧急")
BULK_MIN_CONFIDENCE = 0.8
REROUTABLE = (ItemStatus.NEW, ItemStatus.IN_PROGRESS, ItemStatus.PAUSED)


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _department(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None or not dept.active:
        raise WorkflowError(f"处室「{code}」不在处室目录中或已停用。")
    return dept


def _top_code(item: Item) -> str | None:
    return item.suggestions[0]["code"] if item.suggestions else None


def _decide(
    session: Session,
    user: User,
    item: Item,
    dept: Department,
    action: str,
    reason: str | None,
    now: datetime,
) -> None:
    before = {"处室": item.department.name if item.department else None, "状态": item.status}
    method = (
        "confirmed" if dept.code == _top_code(item) and item.department_id is None else "corrected"
    )
    if item.department_id is not None and item.department_id != dept.id:
        method = "corrected"
    item.department_id = dept.id
    item.department = dept
    item.status = ItemStatus.IN_PROGRESS
    touch(item, now)
    session.add(
        RoutingDecision(
            item_id=item.id,
            department_id=dept.id,
            method=method,
            confidence=item.route_confidence,
            suggestions=item.suggestions,
            decided_by_id=user.id,
            reason=reason or action,
            at=now,
            is_training_example=True,
        )
    )
    record_event(
        session,
        item,
        user,
        action,
        before=before,
        after={"处室": dept.name, "状态": item.status},
        note=reason,
        at=now,
    )
    lead_follows_item(session, item, user, now=now)  # a 建议提案's 主办 is the item's 处室
    notify(
        session,
        department_users(session, dept.id),
        item,
        "分办",
        f"新分办事项：{mask_personal_data(item.title)}",
        now,
    )


def confirm(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    *,
    now: datetime,
    department_code: str | None = None,
) -> Item:
    """Confirm the top suggestion (or the given 处室) for a new item: it goes to that 处室."""
    require_role(user, TRIAGE_ROLES, "分办")
    item = load_item(session, user, item_id, version)
    require_status(item, [ItemStatus.NEW], "确认分办")
    code = department_code or _top_code(item)
    if not code:
        raise WorkflowError("该事项没有分办建议，请选择承办处室。")
    if code == NOT_OURS:
        raise WorkflowError("建议为「非本厅职责」：请填写理由后使用「回退」。")
    _decide(session, user, item, _department(session, code), "确认分办", None, now)
    session.flush()
    return item


def reroute(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    department_code: str,
    *,
    now: datetime,
    reason: str = "",
) -> Item:
    """转办: send the item to another 处室; the route history is kept."""
    require_role(user, TRIAGE_ROLES, "转办")
    item = load_item(session, user, item_id, version)
    require_status(item, REROUTABLE, "转办")
    refuse_while_paused(item, "转办")
    if department_code == NOT_OURS:
        raise WorkflowError("「非本厅职责」请使用「回退」，并填写理由。")
    dept = _department(session, department_code)
    if item.department_id == dept.id:
        raise WorkflowError(f"事项已由{dept.name}承办。")
    action = "转办" if item.department_id is not None else "分办"
    _decide(session, user, item, dept, action, reason.strip() or None, now)
    session.flush()
    return item


def return_not_ours(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    reason: str,
    *,
    now: datetime,
    clock: Clock | None = None,
    report_back: ReportBack | None = None,
) -> Item:
    """回退: not the department's business; sent back to the 12345 platform or the sender."""
    require_role(user, TRIAGE_ROLES, "回退")
    if not reason.strip():
        raise WorkflowError("回退必须填写理由（将随工单退回）。")
    item = load_item(session, user, item_id, version)
    require_status(item, REROUTABLE, "回退")
    note = reason.strip()
    late = _late_return(item, now, clock)
    before = {"处室": item.department.name if item.department else None, "状态": item.status}
    not_ours = session.scalar(select(Department).where(Department.code == NOT_OURS))
    session.add(
        RoutingDecision(
            item_id=item.id,
            department_id=not_ours.id if not_ours else None,
            method="confirmed" if _top_code(item) == NOT_OURS else "corrected",
            confidence=item.route_confidence,
            suggestions=item.suggestions,
            decided_by_id=user.id,
            reason=note,
            at=now,
            is_training_example=True,
        )
    )
    item.status = ItemStatus.RETURNED
    item.department_id = None
    item.closed_at = now
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "回退（非本厅职责）",
        before=before,
        after={"状态": item.status, "理由": note, **({"警告": late} if late else {})},
        note=note,
        at=now,
    )
    if item.source.channel == HOTLINE_CHANNEL:
        record_report_back(
            session, item, lambda rb: rb.send_back(item, note), report_back, now, "12345回退"
        )
    session.flush()
    return item


def _late_return(item: Item, now: datetime, clock: Clock | None) -> str | None:
    if clock is None:
        return None
    rule = clock.rules.get(item.item_type)
    if rule.return_within is None or rule.unit != "workdays":
        return None
    start = item.received_at.astimezone(SHANGHAI).date()
    used = clock.calendar.workdays_between(start, now.astimezone(SHANGHAI).date())
    if used > rule.return_within:
        return f"已超过 {rule.return_within} 个工作日的回退时限（已用 {used} 个工作日）"
    return None


def merge(
    session: Session,
    user: User,
    item_id: int,
    version: int | None,
    target_id: int,
    *,
    now: datetime,
) -> Item:
    """合并: the item duplicates `target_id`; it leaves the queue and points at the original."""
    require_role(user, TRIAGE_ROLES, "合并")
    item = load_item(session, user, item_id, version)
    require_status(item, REROUTABLE, "合并")
    if target_id == item.id:
        raise WorkflowError("不能与自身合并。")
    try:
        target = get_item(session, user, target_id)
    except NotVisible as exc:
        raise WorkflowError("找不到要合并到的事项：请按编号或标题重新查找。") from exc
    if target.status == ItemStatus.MERGED:
        raise WorkflowError(f"事项 {target.external_id} 本身已合并到其他事项，请合并到原件。")
    before = {"状态": item.status, "合并到": None}
    item.status = ItemStatus.MERGED
    item.duplicate_of_id = target.id
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "合并",
        before=before,
        after={"状态": item.status, "合并到": target.external_id},  # the 编号 people know
        at=now,
    )
    record_event(
        session,
        target,
        user,
        "并入重复件",
        after={"重复件": item.external_id},
        at=now,
    )
    session.flush()
    return item


def undo_merge(
    session: Session, user: User, item_id: int, version: int | None, *, now: datetime
) -> Item:
    """撤销合并: the item gets back the status it had before the merge."""
    require_role(user, TRIAGE_ROLES, "撤销合并")
    item = load_item(session, user, item_id, version)
    require_status(item, [ItemStatus.MERGED], "撤销合并")
    last = session.scalar(
        select(Event)
        .where(Event.item_id == item.id, Event.action == "合并")
        .order_by(Event.id.desc())
        .limit(1)
    )
    previous = (last.before or {}).get("状态") if last else None
    target_id = item.duplicate_of_id
    target_number = item.duplicate_of.external_id if item.duplicate_of else target_id
    item.status = previous if previous in [s.value for s in REROUTABLE] else ItemStatus.NEW
    item.duplicate_of_id = None
    touch(item, now)
    record_event(
        session,
        item,
        user,
        "撤销合并",
        before={"状态": ItemStatus.MERGED.value, "合并到": target_number},
        after={"状态": item.status, "合并到": None},
        at=now,
    )
    session.flush()
    return item


def set_priority(
    session: Session, user: User, item_id: int, version: int | None, priority: str, *, now: datetime
) -> Item:
    require_role(user, (*TRIAGE_ROLES, Role.SUPERVISOR), "设置优先级")
    if priority not in PRIORITIES:
        raise WorkflowError(f"优先级只能是：{'、'.join(PRIORITIES)}。")
    item = load_item(session, user, item_id, version)
    if item.priority == priority:
        return item
    record_event(
        session,
        item,
        user,
        "设置优先级",
        before={"优先级": item.priority},
        after={"优先级": priority},
        at=now,
    )
    item.priority = priority
    touch(item, now)
    session.flush()
    return item


def bulk_confirm(
    session: Session,
    user: User,
    items: Iterable[tuple[int, int | None]],
    *,
    now: datetime,
    min_confidence: float = BULK_MIN_CONFIDENCE,
) -> BulkResult:
    """Confirm the top suggestion of each (item id, version) whose confidence is high enough.

    Each item is confirmed in its own savepoint: one conflict does not undo the others.
    """
    require_role(user, TRIAGE_ROLES, "批量确认分办")
    result = BulkResult()
    for item_id, version in items:
        try:
            with session.begin_nested():
                item = load_item(session, user, item_id, version)
                if (item.route_confidence or 0) < min_confidence:
                    raise WorkflowError(f"置信度低于 {min_confidence:.0%}，需逐条确认")
                confirm(session, user, item_id, version, now=now)
            result.done.append(item_id)
        except (WorkflowError, NotVisible) as exc:
            result.skipped.append((item_id, skip_reason(exc)))
    return result


def triage_count(session: Session, user: User) -> int:
    """How many items wait for triage (the queue page shows the most urgent of them)."""
    stmt = visible_items(user).where(Item.status == ItemStatus.NEW)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def triage_queue(session: Session, user: User, limit: int = 200) -> list[Item]:
    """New items, most urgent first: priority, then the due time (items without one last)."""
    urgency = case({"紧急": 0, "较急": 1}, value=Item.priority, else_=2)
    return list(
        session.scalars(
            visible_items(user)
            .where(Item.status == ItemStatus.NEW)
            .order_by(urgency, Item.due_at.is_(None), Item.due_at, Item.id)
            .limit(limit)
        )
    )


def skip_reason(exc: WorkflowError | NotVisible) -> str:
    """Why a bulk action skipped one item, as the page lists it."""
    if isinstance(exc, MissingVersion):
        return "缺少版本号，请刷新页面后重试"
    if isinstance(exc, VersionConflict):
        return "已被他人修改"
    return str(exc) or "不可见"
