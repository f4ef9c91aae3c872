"""Monthly analysis pages for the 分析员 (read-only for 办公室 roles): topics, trends, volumes,
on-time rate, overdue items, 依申请→主动公开 candidates with their decisions, and the report."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import func, select

from analysis.monthly.charts import sparkline_svg
from analysis.monthly.decisions import match_decisions
from analysis.monthly.month import MonthAnalysis, analyse_month, parse_month
from analysis.monthly.report import write_docx, write_xlsx
from analysis.topics.hotness import FORMULA
from ledger.models import Department, Item, Role, User
from ledger.queries import visible_items
from ledger.workflow.disclosure import candidate_decisions as disclosure
from ledger.workflow.guards import now_utc
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.roles import perform, roles_required

bp = Blueprint("analysis", __name__, url_prefix="/analysis")
VIEWERS = (Role.ANALYST, Role.ADMIN, Role.SUPERVISOR, Role.TRIAGE)
DECIDERS = disclosure.DECIDERS
SHANGHAI = ZoneInfo("Asia/Shanghai")
_CACHE_SIZE = 16
_lock = Lock()


def _month_arg(value: str | None) -> date:
    if not value:
        today = datetime.now(SHANGHAI).date()
        return today.replace(day=1)
    try:
        return parse_month(value)
    except ValueError:
        abort(404)


def _analysis(user: User, month: date) -> MonthAnalysis:
    """The month's analysis for what `user` may see, cached until the ledger changes."""
    session = get_session()
    stmt = visible_items(user).subquery()
    count, changed = session.execute(select(func.count(), func.max(stmt.c.updated_at))).one()
    scope = "all" if user.sees_all_departments else f"dept:{user.department_id}"
    key = (scope, f"{month:%Y-%m}", count, str(changed), f"{now_utc():%Y-%m-%d %H}")
    cache: dict[Any, MonthAnalysis] = current_app.extensions.setdefault("huiying.analysis", {})
    with _lock:
        if key in cache:
            return cache[key]
    result = analyse_month(session, user, month, now=now_utc())
    with _lock:
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = result
    return result


def _months(current: date) -> list[str]:
    first = datetime.now(SHANGHAI).date().replace(day=1)
    months = [first - relativedelta(months=k) for k in range(24)]
    if current not in months:
        months.append(current)
    return [f"{m:%Y-%m}" for m in sorted(months, reverse=True)]


@bp.get("/")
@roles_required(*VIEWERS)
def month():
    first = _month_arg(request.args.get("month"))
    user = current_staff()
    a = _analysis(user, first)
    session = get_session()
    shown = match_decisions(a.candidates, disclosure.decisions(session))
    departments = session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.id)
    ).all()
    return render_template(
        "analysis/month.html",
        a=a,
        months=_months(first),
        formula=FORMULA,
        sparks={rank: sparkline_svg(c) for rank, c in a.weekly.items()},
        shown=shown,
        decisions=disclosure.decisions(session),
        departments=departments,
        can_decide=user.has_role(*DECIDERS),
        default_due=f"{datetime.now(SHANGHAI).date() + relativedelta(months=1):%Y-%m-%d}",
    )


@bp.get("/<month_text>/topics/<int:rank>")
@roles_required(*VIEWERS)
def topic(month_text: str, rank: int):
    first = _month_arg(month_text)
    a = _analysis(current_staff(), first)
    found = next((t for t in a.topics if t.rank == rank), None)
    if found is None:  # the ledger changed since the link was drawn
        flash("该话题已不在本月排行中（台账已更新），请重新选择。", "error")
        return redirect(url_for("analysis.month", month=a.month))
    ids = [int(i) for i in found.member_ids]
    items = (
        get_session()
        .scalars(visible_items(current_staff()).where(Item.id.in_(ids)).order_by(Item.received_at))
        .all()
    )
    return render_template(
        "analysis/topic.html",
        a=a,
        t=found,
        items=items,
        spark=sparkline_svg(a.weekly.get(rank, [])),
    )


def _candidate_from_form(user: User):
    first = _month_arg(request.form.get("month"))
    a = _analysis(user, first)
    key = request.form.get("key", "")
    shown = next((s for s in match_decisions(a.candidates, []) if s.key == key), None)
    return a, key, (shown.candidate if shown else None)


def _gone(a: MonthAnalysis):
    flash("该建议已不在本月列表中（台账已更新），请刷新页面后重试。", "error")
    return redirect(url_for("analysis.month", month=a.month) + "#candidates")


@bp.post("/candidates/accept")
@roles_required(*DECIDERS)
def accept():
    user = current_staff()
    a, key, c = _candidate_from_form(user)
    if c is None:
        return _gone(a)
    try:
        due_on = date.fromisoformat(request.form.get("due_on", ""))
        department_id = int(request.form.get("department_id", ""))
    except ValueError:
        flash("请选择处室并填写公开期限（年-月-日）。", "error")
        return redirect(url_for("analysis.month", month=a.month))
    perform(
        lambda: disclosure.accept(
            get_session(),
            user,
            key=key,
            title=request.form.get("title", c.suggested_title),
            subject=c.subject,
            keywords=c.keywords,
            month=a.month,
            evidence_item_ids=[int(i) for i in c.member_ids],
            senders=c.senders,
            department_id=department_id,
            due_on=due_on,
            now=now_utc(),
        ),
        "已采纳：已记录负责处室与公开期限。",
    )
    return redirect(url_for("analysis.month", month=a.month) + "#candidates")


@bp.post("/candidates/dismiss")
@roles_required(*DECIDERS)
def dismiss():
    user = current_staff()
    a, key, c = _candidate_from_form(user)
    if c is None:
        return _gone(a)
    perform(
        lambda: disclosure.dismiss(
            get_session(),
            user,
            key=key,
            title=c.suggested_title,
            subject=c.subject,
            keywords=c.keywords,
            month=a.month,
            evidence_item_ids=[int(i) for i in c.member_ids],
            senders=c.senders,
            reason=request.form.get("reason", ""),
            now=now_utc(),
        ),
        "已记录：不予公开。",
    )
    return redirect(url_for("analysis.month", month=a.month) + "#candidates")


@bp.post("/candidates/<int:candidate_id>/publish")
@roles_required(*DECIDERS)
def publish(candidate_id: int):
    back = request.form.get("month") or None
    try:
        published_on = date.fromisoformat(request.form.get("published_on", ""))
    except ValueError:
        flash("请填写公开日期（年-月-日）。", "error")
        return redirect(url_for("analysis.month", month=back))
    perform(
        lambda: disclosure.publish(
            get_session(),
            current_staff(),
            candidate_id,
            url=request.form.get("url", ""),
            published_on=published_on,
            now=now_utc(),
        ),
        "已登记公开结果。",
    )
    return redirect(url_for("analysis.month", month=back) + "#decisions")


@bp.get("/<month_text>/report.<ext>")
@roles_required(*VIEWERS)
def report(month_text: str, ext: str):
    if ext not in ("docx", "xlsx"):
        abort(404)
    first = _month_arg(month_text)
    a = _analysis(current_staff(), first)
    buf = io.BytesIO()
    if ext == "docx":
        write_docx(a, buf, generated_at=datetime.now(UTC))
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        write_xlsx(a, buf)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    buf.seek(0)
    return send_file(
        buf, mimetype=mime, as_attachment=True, download_name=f"{a.month}-分析报告.{ext}"
    )
