"""督办 board: due soon (黄牌) first, then overdue (红牌) with days overdue, per 处室; cards and
处室 rows filter the lists; each item's 催办 history; a repeated 催办 must be confirmed."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from ledger.clock.deadlines import SHANGHAI
from ledger.models import Role
from ledger.workflow import supervision
from ledger.workflow.guards import now_utc
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.desk.board_figures import kept_figures, period_start
from webapp.params import int_arg
from webapp.request_types.events import event_board
from webapp.roles import perform, roles_required
from webapp.services import clock

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.TRIAGE, Role.ANALYST)
PERIODS = {"30": "近 30 天", "90": "近 90 天", "365": "近一年", "all": "全部"}
SHOW = {"all": "黄牌与红牌", "黄牌": "只看黄牌", "红牌": "只看红牌"}


@bp.get("/")
@roles_required(*ROLES)
def board():
    period = request.args.get("period", "90")
    if period not in PERIODS:
        period = "90"
    show = request.args.get("show", "all")
    show = show if show in SHOW else "all"
    department = int_arg("department", label="处室", minimum=0)
    now = now_utc()
    session = get_session()
    user = current_staff()
    data = supervision.board(
        session,
        user,
        now,
        period_start(period, now),
        department_id=department,
        counted=kept_figures(user, now, period),
    )
    calendar = clock().calendar
    today = now.astimezone(SHANGHAI).date()
    days_since: dict[date, int] = {}  # many items fall due on the same day: count each day once
    overdue_days = {}
    for i in data.overdue:
        if i.due_at is not None:
            due = i.due_at.astimezone(SHANGHAI).date()
            if due not in days_since:
                days_since[due] = calendar.workdays_between(due, today)
            overdue_days[i.id] = days_since[due]
    listed = [i.id for i in data.due_soon + data.overdue]
    names = {r.department_id or 0: r.name for r in data.rows}
    return render_template(
        "supervision/board.html",
        board=data,
        list_limit=supervision.LIST_LIMIT,
        period=period,
        periods=PERIODS,
        show=show,
        shows=SHOW,
        department=department,
        department_name=names.get(department) if department is not None else None,
        overdue_days=overdue_days,
        history=supervision.urge_history(session, listed),
        can_urge=current_staff().has_role(Role.SUPERVISOR, Role.ADMIN),
        event_board=event_board(session, now),
    )


@bp.post("/items/<int:item_id>/urge")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def urge(item_id: int):
    perform(
        lambda: supervision.urge(
            get_session(),
            current_staff(),
            item_id,
            request.form.get("note", ""),
            now_utc(),
            again=request.form.get("again") == "1",
        ),
        "已发出催办通知。",
    )
    args: dict[str, Any] = {
        k: v for k, v in request.form.items() if k in ("period", "show", "department") and v
    }
    return redirect(url_for("supervision.board", **args) + f"#item-{item_id}")
