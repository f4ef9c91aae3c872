"""督办 board figures: per 处室 open items, due soon (黄牌), overdue (红牌), average response time,
on-time rate; plus the lists of due-soon and overdue items. Everything through visible_items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ledger.audit import record_event
from ledger.masking import mask_personal_data
from ledger.models import Department, Item, ItemStatus, Role, User
from ledger.queries import OVERDUE_STATUSES, get_item, visible_items
from ledger.workflow.guards import WorkflowError, require_role
from ledger.workflow.notices import department_users, notify

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


def board(session: Session, user: User, now: datetime, since: datetime | None = None) -> Board:
    """Figures over the visible items received since `since` (all when None)."""
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


def urge(session: Session, user: User, item_id: int, note: str, now: datetime) -> Item:
    """人工催办 from the board: an in-app notice to the 处室 and an event on the item."""
    require_role(user, (Role.SUPERVISOR, Role.ADMIN), "催办")
    item = get_item(session, user, item_id)
    if item.department_id is None or item.status not in OVERDUE_STATUSES:
        raise WorkflowError("只能催办已分办且在办的事项。")
    text = f"人工催办：「{mask_personal_data(item.title)}」" + (
        f"（{note.strip()}）" if note.strip() else ""
    )
    notify(session, department_users(session, item.department_id), item, "催办", text, now)
    record_event(session, item, user, "人工催办", note=note.strip() or None, at=now)
    session.flush()
    return item
