"""The 台账: filtered list, one item's page with its audit trail, and the Excel export."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_login import login_required
from sqlalchemy import select

from ledger.clock.deadlines import SHANGHAI
from ledger.export import workbook_bytes
from ledger.models import Department, Event, ItemStatus, RoutingDecision, Source, User
from ledger.queries import ItemFilter, get_item, list_items
from ledger.workflow.guards import now_utc
from ledger.workflow.notices import mark_read
from webapp.audit_view import Names, readable
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.params import int_arg
from webapp.services import clock, opinion_names

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

CHANNELS = ["留言板", "领导信箱", "12345", "人工录入"]
PAGE_SIZE = 50
MAX_PAGE = 1_000_000


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filter() -> ItemFilter:
    return ItemFilter(
        channel=request.args.get("channel") or None,
        department_id=int_arg("department", label="处室", minimum=1),
        status=request.args.get("status") or None,
        overdue_only=request.args.get("overdue") == "1",
        text=(request.args.get("q") or "").strip()[:100] or None,
        item_type=request.args.get("type") or None,
        date_from=_date("from"),
        date_to=_date("to"),
        topic=request.args.get("topic") or None,
        risk_level=request.args.get("risk") or None,
    )


@bp.get("/")
@login_required
def index():
    session = get_session()
    page = int_arg("page", 1, label="页码", minimum=1, maximum=MAX_PAGE) or 1
    flt = _filter()
    items, total = list_items(
        session, current_staff(), flt, now=now_utc(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    departments = session.scalars(select(Department).order_by(Department.id)).all()
    return render_template(
        "ledger/list.html",
        items=items,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        topics=opinion_names()[0],
        risk_levels=opinion_names()[1],
        flt=flt,
        departments=departments,
        channels=CHANNELS,
        statuses=[s.value for s in ItemStatus],
        types=[(r.key, r.name) for r in clock().rules],
        dept_names={d.code: d.name for d in departments},
    )


@bp.get("/export.xlsx")
@login_required
def export():
    now = now_utc()
    data = workbook_bytes(get_session(), current_staff(), _filter(), now)
    name = (
        f"taizhang-{now.astimezone(SHANGHAI):%Y%m%d-%H%M}.xlsx"  # Beijing time, as people read it
    )
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/items/<int:item_id>")
@login_required
def item(item_id: int):
    session = get_session()
    it = get_item(session, current_staff(), item_id)
    if mark_read(session, current_staff(), now_utc(), item_id=it.id):
        session.commit()  # opening the item reads its notices
    events = session.scalars(select(Event).where(Event.item_id == it.id).order_by(Event.id)).all()
    routes = session.scalars(
        select(RoutingDecision).where(RoutingDecision.item_id == it.id).order_by(RoutingDecision.id)
    ).all()
    departments = session.scalars(select(Department)).all()
    names = Names(
        departments={d.code: d.name for d in departments},
        users={u.username: u.display_name for u in session.scalars(select(User))},
        sources={s.slug: s.name for s in session.scalars(select(Source))},
    )
    return render_template(
        "ledger/item.html",
        item=it,
        events=readable(events, names),
        routes=routes,
        dept_names={d.code: d.name for d in departments},
        dept_by_id={d.id: d.name for d in departments},
    )
