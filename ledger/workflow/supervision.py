"""督办 board figures: per 处室 open items, due soon (黄牌), overdue (红牌), average response time,
on-time rate; plus the lists of due-soon and overdue items. Everything through visible_items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload, load_only

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.masking import mask_personal_data
from ledger.models import Department, Event, Item, ItemStatus, Role, User
from ledger.queries import OVERDUE_STATUSES, get_item, visible_items
from ledger.states import all_open_statuses
from ledger.workflow.guards import WorkflowError, require_role
from ledger.workflow.notices import department_users, notify, users_with_roles

UNROUTED = "（待分办）"
LIST_LIMIT = 50  # items shown in each of the 黄牌 and 红牌 lists (the most pressing first)
# What the lists show of an item; the rest (body, JSON columns) is not read — 200 rows of it were
# a fifth of the board's CPU at 1,000,000 items. raiseload: a new use fails in tests, not N+1.
LIST_COLUMNS = (
    Item.id,
    Item.external_id,
    Item.title,
    Item.status,
    Item.due_at,
    Item.warn_at,
    Item.department_id,
    Item.version,
)


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


@dataclass(frozen=True)
class Figures:
    """The per-处室 rows (most overdue first) and their total, counted at `as_of`."""

    rows: list[DepartmentFigures]
    total: DepartmentFigures
    as_of: datetime


@dataclass
class Board:
    rows: list[DepartmentFigures]
    total: DepartmentFigures
    due_soon: list[Item]
    overdue: list[Item]
    as_of: datetime  # when the figures (rows, total) were counted; the lists are read live


def state(item: Item, now: datetime) -> str:
    """正常 / 黄牌 / 红牌 for an item whose clock runs; answered or closed items are 正常."""
    if item.status not in OVERDUE_STATUSES or item.due_at is None:
        return "正常"
    if now > item.due_at:
        return "红牌"
    if item.warn_at is not None and now >= item.warn_at:
        return "黄牌"
    return "正常"


def _scope(user: User, since: datetime | None) -> Select[Item]:
    base = visible_items(user).where(Item.status.not_in([ItemStatus.MERGED, ItemStatus.RETURNED]))
    if since is not None:
        base = base.where(Item.received_at >= since)
    return base


def _running() -> ColumnElement[bool]:
    return and_(Item.status.in_(OVERDUE_STATUSES), Item.due_at.is_not(None))


def _red(now: datetime) -> ColumnElement[bool]:
    return and_(_running(), Item.due_at < now)


def _yellow(now: datetime) -> ColumnElement[bool]:
    return and_(_running(), Item.due_at >= now, Item.warn_at.is_not(None), Item.warn_at <= now)


def figures(session: Session, user: User, now: datetime, since: datetime | None = None) -> Figures:
    """Per-处室 figures over the visible items received since `since` (all when None), counted
    by the database in one GROUP BY. The rows always cover every 处室 that has items.

    At 1,000,000 items the 90 days hold ~64,000 rows: ~60 ms of PostgreSQL per count, which is
    why the web app keeps a count for a minute (webapp.desk.supervision) and says so."""
    base = _scope(user, since)
    answered = Item.replied_at.is_not(None)
    on_time = and_(answered, or_(Item.due_at.is_(None), Item.replied_at <= Item.due_at))
    late_by = _seconds_between(session, Item.received_at, Item.replied_at)
    counted = base.with_only_columns(
        Item.department_id,
        _how_many(Item.status.in_(sorted(all_open_statuses()))),  # paused ones too
        _how_many(_yellow(now)),
        _how_many(_red(now)),
        _how_many(answered),
        _how_many(on_time),
        func.sum(case((and_(answered, Item.replied_at > Item.received_at), late_by), else_=0)),
    ).group_by(Item.department_id)
    names: dict[int | None, str] = {d.id: d.name for d in session.scalars(select(Department))}
    total = DepartmentFigures("合计", None)
    rows = []
    for dept_id, n_open, n_yellow, n_red, n_answered, n_on_time, seconds in session.execute(
        counted
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
    return Figures(ordered, total, now)


def board(
    session: Session,
    user: User,
    now: datetime,
    since: datetime | None = None,
    *,
    department_id: int | None = None,
    list_limit: int = LIST_LIMIT,
    counted: Figures | None = None,
) -> Board:
    """The per-处室 figures (`counted` when the caller already has them for this user and
    period, else counted now) and the `list_limit` most pressing 黄牌/红牌 items, with
    `department_id` that 处室's only (0: items still waiting for triage)."""
    if counted is None:
        counted = figures(session, user, now, since)
    listed = _scope(user, since)
    if department_id is not None:
        listed = listed.where(
            Item.department_id.is_(None)
            if department_id == 0
            else Item.department_id == department_id
        )

    def pressing(condition: ColumnElement[bool]) -> list[Item]:
        stmt = (
            listed.where(condition)
            .options(load_only(*LIST_COLUMNS, raiseload=True), joinedload(Item.department))
            .order_by(Item.due_at, Item.id)
            .limit(list_limit)
        )
        return list(session.scalars(stmt).unique())

    return Board(
        counted.rows,
        counted.total,
        pressing(_yellow(now)),
        pressing(_red(now)),
        counted.as_of,
    )


def _how_many(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _seconds_between(session: Session, start: Any, end: Any) -> Any:
    """Seconds from `start` to `end` as SQL (column expressions of either backend)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


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
