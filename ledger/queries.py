"""Read queries for the 台账. Per-处室 visibility is applied here, so no caller can forget it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ledger.models import Item, Role, Source, User


class NotVisible(LookupError):
    """The item does not exist or the user may not see it (the two are not distinguished)."""


def visible_items(user: User) -> Select[tuple[Item]]:
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


def list_items(
    session: Session,
    user: User,
    flt: ItemFilter,
    *,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Item], int]:
    stmt = visible_items(user).join(Source)
    if flt.channel:
        stmt = stmt.where(Source.channel == flt.channel)
    if flt.department_id:
        stmt = stmt.where(Item.department_id == flt.department_id)
    if flt.status:
        stmt = stmt.where(Item.status == flt.status)
    if flt.overdue_only:
        stmt = stmt.where(Item.due_at < now, Item.replied_at.is_(None))
    if flt.text:
        like = f"%{flt.text}%"
        stmt = stmt.where(or_(Item.title.like(like), Item.body.like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(joinedload(Item.source), joinedload(Item.department))
        .order_by(Item.received_at.desc(), Item.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def get_item(session: Session, user: User, item_id: int) -> Item:
    item = session.scalar(visible_items(user).where(Item.id == item_id))
    if item is None:
        raise NotVisible(item_id)
    return item
