"""督办 board: due soon (黄牌) and overdue (红牌) per 处室, average response time, on-time rate."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for

from ledger.models import Role
from ledger.workflow import supervision
from ledger.workflow.guards import now_utc
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.roles import perform, roles_required

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.TRIAGE, Role.ANALYST)
PERIODS = {"30": "近 30 天", "90": "近 90 天", "365": "近一年", "all": "全部"}


@bp.get("/")
@roles_required(*ROLES)
def board():
    period = request.args.get("period", "90")
    if period not in PERIODS:
        period = "90"
    now = now_utc()
    since = None if period == "all" else now - timedelta(days=int(period))
    data = supervision.board(get_session(), current_staff(), now, since)
    return render_template(
        "supervision/board.html",
        board=data,
        period=period,
        periods=PERIODS,
        can_urge=current_staff().role in (Role.SUPERVISOR.value, Role.ADMIN.value),
    )


@bp.post("/items/<int:item_id>/urge")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def urge(item_id: int):
    perform(
        lambda: supervision.urge(
            get_session(), current_staff(), item_id, request.form.get("note", ""), now_utc()
        ),
        "已向承办处室发出催办通知。",
    )
    return redirect(url_for("supervision.board"))
