"""The 台账: the list of items with their deadlines, and one item's page with its audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, render_template, request
from flask_login import login_required
from sqlalchemy import select

from ledger.models import Department, Event, ItemStatus
from ledger.queries import ItemFilter, NotVisible, get_item, list_items
from webapp.auth import current_staff
from webapp.database import get_session

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

CHANNELS = ["留言板", "领导信箱", "12345", "人工录入"]


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    session = get_session()
    page = max(request.args.get("page", 1, type=int), 1)
    flt = ItemFilter(
        channel=request.args.get("channel") or None,
        department_id=request.args.get("department", type=int) or None,
        status=request.args.get("status") or None,
        overdue_only=request.args.get("overdue") == "1",
        text=(request.args.get("q") or "").strip() or None,
    )
    size = 50
    items, total = list_items(
        session, current_staff(), flt, now=datetime.now(UTC), limit=size, offset=(page - 1) * size
    )
    departments = session.scalars(select(Department).order_by(Department.id)).all()
    return render_template(
        "ledger/list.html",
        items=items,
        total=total,
        page=page,
        pages=max((total + size - 1) // size, 1),
        flt=flt,
        departments=departments,
        channels=CHANNELS,
        statuses=[s.value for s in ItemStatus],
        dept_names={d.code: d.name for d in departments},
    )


@bp.get("/items/<int:item_id>")
@login_required
def item(item_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    try:
        it = get_item(session, current_staff(), item_id)
    except NotVisible:
        abort(404)
    events = session.scalars(select(Event).where(Event.item_id == it.id).order_by(Event.id)).all()
    departments = session.scalars(select(Department)).all()
    return render_template(
        "ledger/item.html", item=it, events=events, dept_names={d.code: d.name for d in departments}
    )
