"""Read queries for the 台账. Per-处室 visibility is applied here, so no caller can forget it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ledger.models import Item, Role, Source, User
from ledger.states import WORK_ITEM

# The largest id an INTEGER column holds on every backend (PostgreSQL's 4-byte integer). A larger
# number is no id at all: looked up, it would overflow the driver (OverflowError on SQLite).
DB_INT_MAX = 2**31 - 1

# Statuses whose clock runs: an item in one of them past its due time is overdue (红牌).
OVERDUE_STATUSES = tuple(sorted(WORK_ITEM.clock_running))


class NotVisible(LookupError):
    """The item does not exist or the user may not see it (the two are not distinguished)."""


def visible_items(user: User) -> Select[Item]:
    """All items `user` may see: everything for 办公室 roles, only their 处室's items otherwise."""
    stmt = select(Item)
    if not Role(user.role).sees_all_departments:
        stmt = stmt.where(Item.department_id == user.department_id)
    return stmt


@dataclass(frozen=True)
class ItemFilter:
    channel: str | None = None
    department_id: int | None = None
    status: str | None = None
    overdue_only: bool = False
    text: str | None = None
    item_type: str | None = None  # deadline rule key
    date_from: date | None = None  # received on or after this Asia/Shanghai date
    date_to: date | None = None  # received on or before this Asia/Shanghai date
    topic: str | None = None  # a 舆情 topic tag
    risk_level: str | None = None  # 一般 / 较大 / 重大


_SHANGHAI = ZoneInfo("Asia/Shanghai")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), _SHANGHAI)


def filtered(user: User, flt: ItemFilter, *, now: datetime) -> Select[Item]:
    """The visible items matching `flt` (no order, no paging).

    Text search: every whitespace-separated term must occur in the title, body or 编号. Substring
    matching suits Chinese (no word boundaries): LIKE on SQLite, ILIKE on PostgreSQL (a pg_trgm
    GIN index can back it when the 台账 grows; see the README).
    """
    stmt = visible_items(user).join(Source)
    if flt.channel:
        stmt = stmt.where(Source.channel == flt.channel)
    if flt.department_id:
        stmt = stmt.where(Item.department_id == flt.department_id)
    if flt.status:
        stmt = stmt.where(Item.status == flt.status)
    if flt.item_type:
        stmt = stmt.where(Item.item_type == flt.item_type)
    if flt.date_from:
        stmt = stmt.where(Item.received_at >= _day_start(flt.date_from))
    if flt.date_to:
        stmt = stmt.where(Item.received_at < _day_start(flt.date_to + timedelta(days=1)))
    if flt.topic:
        # the JSON list as stored text holds the tag exactly as json.dumps writes it
        stmt = stmt.where(
            cast(Item.topics, String).contains(json.dumps(flt.topic), autoescape=True)
        )
    if flt.risk_level:
        stmt = stmt.where(Item.risk_level == flt.risk_level)
    if flt.overdue_only:
        stmt = stmt.where(
            Item.due_at < now, Item.replied_at.is_(None), Item.status.in_(OVERDUE_STATUSES)
        )
    for term in (flt.text or "").split()[:5]:
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Item.title.ilike(like, escape="\\"),
                Item.body.ilike(like, escape="\\"),
                Item.external_id.ilike(like, escape="\\"),
            )
        )
    return stmt


def list_items(
    session: Session,
    user: User,
    flt: ItemFilter,
    *,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Item], int]:
    stmt = filtered(user, flt, now=now)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(joinedload(Item.source), joinedload(Item.department))
        .order_by(Item.received_at.desc(), Item.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def get_item(session: Session, user: User, item_id: int) -> Item:
    if not 0 < item_id <= DB_INT_MAX:
        raise NotVisible(item_id)
    item = session.scalar(visible_items(user).where(Item.id == item_id))
    if item is None:
        raise NotVisible(item_id)
    return item
