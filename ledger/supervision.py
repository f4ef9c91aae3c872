"""督办 board figures: per 处室 open items, due soon (黄牌), overdue (红牌), average response time,
on-time rate; plus the lists of due-soon and overdue items. Everything through visible_items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ledger.audit import record_event
from ledger.masking import mask_personal_data
from ledger.models import Department, Item, ItemStatus, Role, User
from ledger.notices import department_users, notify
from ledger.queries import OVERDUE_STATUSES, get_item, visible_items
from ledger.workflow import WorkflowError, require_role

UNROUTED = "（待分办）"
LIST_LIMIT = 100  # items shown in each of the 黄牌 and 红牌 lists (the most pressing first)


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
    list_limit: int = LIST_LIMIT,
) -> Board:
    """Figures over the visible items received since `since` (all when None), counted by the
    database in one GROUP BY; the 黄牌/红牌 lists hold the `list_limit` most pressing items."""
    base = visible_items(user).where(Item.status.not_in([ItemStatus.MERGED, ItemStatus.RETURNED]))
    if since is not None:
        base = base.where(Item.received_at >= since)
    running = and_(Item.status.in_(OVERDUE_STATUSES), Item.due_at.is_not(None))
    red = and_(running, Item.due_at < now)
    yellow = and_(running, Item.due_at >= now, Item.warn_at.is_not(None), Item.warn_at <= now)
    answered = Item.replied_at.is_not(None)
    on_time = and_(answered, or_(Item.due_at.is_(None), Item.replied_at <= Item.due_at))
    late_by = _seconds_between(session, Item.received_at, Item.replied_at)
    figures = base.with_only_columns(
        Item.department_id,
        _how_many(Item.status.in_([*OVERDUE_STATUSES, ItemStatus.PAUSED])),
        _how_many(yellow),
        _how_many(red),
        _how_many(answered),
        _how_many(on_time),
        func.sum(case((and_(answered, Item.replied_at > Item.received_at), late_by), else_=0)),
    ).group_by(Item.department_id)
    names = {d.id: d.name for d in session.scalars(select(Department))}
    total = DepartmentFigures("合计", None)
    rows = []
    for dept_id, n_open, n_yellow, n_red, n_answered, n_on_time, seconds in session.execute(
        figures
    ):
        row = DepartmentFigures(
            names.get(dept_id, UNROUTED),
            dept_id,
            open=n_open or 0,
            due_soon=n_yellow or 0,
            overdue=n_red or 0,
            answered=n_answered or 0,
            answered_on_time=n_on_time or 0,
            response_total=timedelta(seconds=float(seconds or 0)),
        )
        rows.append(row)
        total.open += row.open
        total.due_soon += row.due_soon
        total.overdue += row.overdue
        total.answered += row.answered
        total.answered_on_time += row.answered_on_time
        total.response_total += row.response_total
    ordered = sorted(rows, key=lambda r: (-r.overdue, -r.due_soon, -r.open, r.name))

    def pressing(condition: ColumnElement[bool]) -> list[Item]:
        stmt = (
            base.where(condition)
            .options(joinedload(Item.department), joinedload(Item.source))
            .order_by(Item.due_at, Item.id)
            .limit(list_limit)
        )
        return list(session.scalars(stmt).unique())

    return Board(ordered, total, pressing(yellow), pressing(red))


def _how_many(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _seconds_between(
    session: Session, start: ColumnElement[datetime], end: ColumnElement[datetime]
) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


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
