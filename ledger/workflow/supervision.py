"""督办 board figures: per 处室 open items, due soon (黄牌), overdue (红牌), average response time,
on-time rate; plus the lists of due-soon and overdue items. Everything through visible_items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.masking import mask_personal_data
from ledger.models import Department, Event, Item, ItemStatus, Role, User
from ledger.queries import OVERDUE_STATUSES, get_item, visible_items
from ledger.workflow.guards import WorkflowError, require_role
from ledger.workflow.notices import department_users, notify, users_with_roles

UNROUTED = "（待分办）"


@dataclass
class DepartmentFigures:
    name: str
    department_id: int | None
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    answered: int = 0
    answered_on_time: int = 0
    response_total: timedelta = field(default_factory=timedelta)

    @property
    def average_days(self) -> float | None:
        if not self.answered:
            return None
        return round(self.response_total.total_seconds() / 86400 / self.answered, 1)

    @property
    def on_time_rate(self) -> float | None:
        return self.answered_on_time / self.answered if self.answered else None


@dataclass
class Board:
    rows: list[DepartmentFigures]
    total: DepartmentFigures
    due_soon: list[Item]
    overdue: list[Item]


def state(item: Item, now: datetime) -> str:
    """正常 / 黄牌 / 红牌 for an item whose clock runs; answered or closed items are 正常."""
    if item.status not in OVERDUE_STATUSES or item.due_at is None:
        return "正常"
    if now > item.due_at:
        return "红牌"
    if item.warn_at is not None and now >= item.warn_at:
        return "黄牌"
    return "正常"


def board(
    session: Session,
    user: User,
    now: datetime,
    since: datetime | None = None,
    *,
    department_id: int | None = None,
) -> Board:
    """Figures over the visible items received since `since` (all when None). The per-处室 rows
    always cover every 处室; with `department_id` the 黄牌/红牌 lists hold that 处室's items only
    (0: items still waiting for triage)."""
    stmt = visible_items(user).options(joinedload(Item.department), joinedload(Item.source))
    stmt = stmt.where(Item.status.not_in([ItemStatus.MERGED, ItemStatus.RETURNED]))
    if since is not None:
        stmt = stmt.where(Item.received_at >= since)
    items = session.scalars(stmt).unique().all()
    names: dict[int | None, str] = {d.id: d.name for d in session.scalars(select(Department))}
    rows: dict[int | None, DepartmentFigures] = {}
    total = DepartmentFigures("合计", None)
    due_soon, overdue = [], []
    for item in items:
        key = item.department_id
        row = rows.setdefault(key, DepartmentFigures(names.get(key, UNROUTED), key))
        for fig in (row, total):
            _count(fig, item, now)
        s = state(item, now)
        if department_id is not None and (key or 0) != department_id:
            continue
        if s == "黄牌":
            due_soon.append(item)
        elif s == "红牌":
            overdue.append(item)
    ordered = sorted(rows.values(), key=lambda r: (-r.overdue, -r.due_soon, -r.open, r.name))
    # Only items with a due time get 黄牌 or 红牌.
    due_soon.sort(key=lambda i: i.due_at or now)
    overdue.sort(key=lambda i: i.due_at or now)
    return Board(ordered, total, due_soon, overdue)


def _count(fig: DepartmentFigures, item: Item, now: datetime) -> None:
    if item.status in (*OVERDUE_STATUSES, ItemStatus.PAUSED):
        fig.open += 1
    s = state(item, now)
    fig.due_soon += s == "黄牌"
    fig.overdue += s == "红牌"
    if item.replied_at is not None:
        fig.answered += 1
        fig.response_total += max(item.replied_at - item.received_at, timedelta(0))
        if item.due_at is None or item.replied_at <= item.due_at:
            fig.answered_on_time += 1


URGE_ACTIONS = ("人工催办", "催办", "督办（处室）", "督办（分管领导）", "督办（厅领导）")
REPEAT_WINDOW = timedelta(hours=24)


class RecentlyUrged(WorkflowError):
    """A 催办 for this item went out within the last day: the user must say they mean it again."""


def urge_history(session: Session, item_ids: list[int]) -> dict[int, list[Event]]:
    """Every 催办 and 督办 (manual and automatic) per item, oldest first."""
    if not item_ids:
        return {}
    rows = session.scalars(
        select(Event)
        .where(
            Event.item_id.in_(item_ids),
            or_(Event.action == "人工催办", Event.action == "催办", Event.action.like("督办（%")),
        )
        .order_by(Event.id)
    )
    out: dict[int, list[Event]] = {}
    for event in rows:
        out.setdefault(event.item_id or 0, []).append(event)
    return out


def urge(
    session: Session, user: User, item_id: int, note: str, now: datetime, *, again: bool = False
) -> Item:
    """人工催办 from the board: an in-app notice to the 处室 (or, for an item still waiting for
    triage, to the 分办员) and an event on the item. A second 催办 within a day is refused unless
    the user confirms it (`again`): no silent duplicates."""
    require_role(user, (Role.SUPERVISOR, Role.ADMIN), "催办")
    item = get_item(session, user, item_id)
    if item.status not in OVERDUE_STATUSES:
        raise WorkflowError("只能催办在办或待分办的事项。")
    last = session.scalar(
        select(Event)
        .where(Event.item_id == item.id, Event.action == "人工催办")
        .order_by(Event.id.desc())
        .limit(1)
    )
    if last is not None and now - last.at < REPEAT_WINDOW and not again:
        when = last.at.astimezone(SHANGHAI).strftime("%m-%d %H:%M")
        raise RecentlyUrged(
            f"{item.external_id} 已于 {when} 由 {last.actor} 催办过（24 小时内）。"
            "如确需再次催办，请勾选「再次催办」后提交。"
        )
    title = mask_personal_data(item.title)
    if item.department_id is None:
        recipients = users_with_roles(session, (Role.TRIAGE,))
        text = f"人工催办：「{title}」（编号 {item.external_id}）尚未分办，请尽快分办"
    else:
        recipients = department_users(session, item.department_id)
        text = f"人工催办：「{title}」（编号 {item.external_id}）"
    text += f"（{note.strip()}）" if note.strip() else ""
    notify(session, recipients, item, "催办", text, now)
    record_event(
        session,
        item,
        user,
        "人工催办",
        after={"通知": "、".join(u.display_name for u in recipients) or "（无人）"},
        note=note.strip() or None,
        at=now,
    )
    session.flush()
    return item
