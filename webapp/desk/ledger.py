"""The 台账: filtered list, one item's page with its audit trail, and the Excel export."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import login_required
from sqlalchemy import select

from ledger.clock.deadlines import SHANGHAI
from ledger.exports.items import write_workbook
from ledger.exports.job import ExportFailed, run_in_child
from ledger.models import Department, Event, ItemStatus, RoutingDecision, Source, User
from ledger.queries import ItemFilter, count_bounded, filtered, get_item, list_page
from ledger.workflow.guards import now_utc
from ledger.workflow.notices import has_unread_about, mark_read
from webapp.auth import current_staff
from webapp.database import bookkeeping_session, get_session
from webapp.desk.audit_view import Names, readable
from webapp.params import int_arg, parse_int
from webapp.services import clock, opinion_names

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
bp = Blueprint("ledger", __name__, url_prefix="/ledger")

CHANNELS = ["留言板", "领导信箱", "12345", "人工录入"]
PAGE_SIZE = 50
MAX_PAGE = 1_000_000
# numbered pages read with OFFSET up to here; deeper pages follow the 下一页 cursor (keyset)
MAX_OFFSET_PAGE = 100
# exports up to this many rows are written in the request's own thread (well under a second)
EXPORT_INLINE_ROWS = 2_000


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _status() -> str | None:
    """The status filter; an unknown one is refused (400), not passed to the database (500)."""
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in ItemStatus}:
        abort(400, description=f"状态“{status[:20]}”不存在：请在状态筛选中重新选择。")
    return status


def _filter() -> ItemFilter:
    return ItemFilter(
        channel=request.args.get("channel") or None,
        department_id=int_arg("department", label="处室", minimum=1),
        status=_status(),
        overdue_only=request.args.get("overdue") == "1",
        text=(request.args.get("q") or "").strip()[:100] or None,
        item_type=request.args.get("type") or None,
        date_from=_date("from"),
        date_to=_date("to"),
        topic=request.args.get("topic") or None,
        risk_level=request.args.get("risk") or None,
    )


def _cursor() -> tuple[datetime, int] | None:
    """The keyset cursor `after=<received, microseconds since 1970>.<id>`; 400 when malformed."""
    raw = request.args.get("after")
    if not raw:
        return None
    stamp, _, ident = raw.partition(".")
    micros = int(stamp) if stamp.isascii() and stamp.isdigit() and len(stamp) <= 17 else None
    item_id = parse_int(ident, minimum=1)
    if micros is None or item_id is None:
        abort(400, description="翻页参数 after 无效：请从第一页重新翻页。")
    return EPOCH + timedelta(microseconds=micros), item_id


def _cursor_text(cursor: tuple[datetime, int] | None) -> str | None:
    if cursor is None:
        return None
    received, item_id = cursor
    return f"{(received - EPOCH) // timedelta(microseconds=1)}.{item_id}"


@bp.get("/")
@login_required
def index():
    session = get_session()
    page = int_arg("page", 1, label="页码", minimum=1, maximum=MAX_PAGE) or 1
    after = _cursor()
    if after is None and page > MAX_OFFSET_PAGE:
        abort(
            400,
            description=f"只能直接跳到前 {MAX_OFFSET_PAGE} 页：请缩小筛选范围，或逐页点“下一页”。",
        )
    flt = _filter()
    result = list_page(
        session,
        current_staff(),
        flt,
        now=now_utc(),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        after=after,
    )
    departments = session.scalars(select(Department).order_by(Department.id)).all()
    topics, risk_levels = opinion_names()
    return render_template(
        "ledger/list.html",
        items=result.items,
        total=result.total,
        exact=result.exact,
        page=page,
        pages=max((result.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        next_cursor=_cursor_text(result.after),
        max_offset_page=MAX_OFFSET_PAGE,
        topics=topics,
        risk_levels=risk_levels,
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
    session, user, flt = get_session(), current_staff(), _filter()
    # The workbook goes to a temporary file, then out in chunks: memory stays flat at 100,000 rows.
    spool = tempfile.NamedTemporaryFile(suffix=".xlsx")
    try:
        inline = current_app.config.get("EXPORT_INLINE_ROWS", EXPORT_INLINE_ROWS)
        # a text search is not counted (ledger.queries.list_page): its size is unknown
        if not flt.text and count_bounded(session, filtered(user, flt, now=now), inline)[1]:
            write_workbook(session, user, flt, now, spool)
        else:  # a large export: a lower-priority child writes it (ledger.exports.job says why)
            url = current_app.extensions["huiying.engine"].url.render_as_string(hide_password=False)
            try:
                run_in_child(url, user.id, flt, now, Path(spool.name))
            except (ExportFailed, subprocess.TimeoutExpired) as exc:
                current_app.logger.error("导出失败：%s", exc)
                abort(
                    503,
                    description="导出没有完成：请缩小筛选范围（如按月）后重试，或联系管理员查看日志。",
                )
        spool.seek(0, 2)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    name = (
        f"taizhang-{now.astimezone(SHANGHAI):%Y%m%d-%H%M}.xlsx"  # Beijing time, as people read it
    )
    return Response(
        _chunks(spool),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(size),
        },
        direct_passthrough=True,
    )


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(256 * 1024):
            yield chunk


@bp.get("/items/<int:item_id>")
@login_required
def item(item_id: int):
    session = get_session()
    it = get_item(session, current_staff(), item_id)
    if has_unread_about(session, current_staff(), it.id):  # opening the item reads its notices
        with bookkeeping_session() as writer:
            mark_read(writer, current_staff(), now_utc(), item_id=it.id)
    events = session.scalars(select(Event).where(Event.item_id == it.id).order_by(Event.id)).all()
    routes = session.scalars(
        select(RoutingDecision).where(RoutingDecision.item_id == it.id).order_by(RoutingDecision.id)
    ).all()
    # all departments as objects: the page's item.department and the user's then need no query
    departments = session.scalars(select(Department)).all()
    names = Names(
        departments={d.code: d.name for d in departments},
        # names only: no user roles loaded for a lookup
        users={u: shown for u, shown in session.execute(select(User.username, User.display_name))},
        sources={slug: name for slug, name in session.execute(select(Source.slug, Source.name))},
    )
    return render_template(
        "ledger/item.html",
        item=it,
        events=readable(events, names),
        routes=routes,
        dept_names=names.departments,
        dept_by_id={d.id: d.name for d in departments},
    )
