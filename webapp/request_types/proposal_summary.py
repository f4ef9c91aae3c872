"""The publishable summary of 建议提案 办理情况: shown for review, downloaded as HTML or Word, then
marked published by the 办公室 (ledger.workflow.proposals.summary does the masking)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, redirect, render_template, request, url_for

from ledger.clock.deadlines import SHANGHAI
from ledger.models import Role
from ledger.workflow.guards import now_utc
from ledger.workflow.proposals import summary as proposal_summary
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.params import int_arg
from webapp.roles import perform, roles_required

bp = Blueprint("proposal_summary", __name__, url_prefix="/proposals")
STAFF = (Role.TRIAGE, Role.ADMIN, Role.HANDLER, Role.REVIEWER, Role.SUPERVISOR)


def _summary_args() -> tuple[int, str | None]:
    year = int_arg("year", label="年度", minimum=2000) or now_utc().astimezone(SHANGHAI).year
    return year, (request.values.get("batch") or "").strip() or None


@bp.get("/summary")
@roles_required(*STAFF)
def summary():
    year, batch = _summary_args()
    session = get_session()
    entries = proposal_summary.summary(session, current_staff(), year, batch)
    title, line = proposal_summary.heading(year, batch, entries)
    return render_template(
        "proposals/summary.html",
        year=year,
        batch=batch,
        entries=entries,
        title=title,
        line=line,
        batches=proposal_summary.batches(session, year),
        may_publish=current_staff().has_role(*proposal_summary.PUBLISH_ROLES),
    )


@bp.get("/summary.<fmt>")
@roles_required(*STAFF)
def summary_file(fmt: str):
    year, batch = _summary_args()
    entries = proposal_summary.summary(get_session(), current_staff(), year, batch)
    name = f"{year}{batch or ''}建议提案办理情况"
    if fmt == "html":
        body = proposal_summary.summary_html(year, batch, entries)
        response = Response(body, mimetype="text/html")
        name += ".html"
    elif fmt == "docx":
        response = Response(
            proposal_summary.summary_docx(year, batch, entries),
            mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        name += ".docx"
    else:
        return Response("未知的格式", status=404)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.post("/summary/publish")
@roles_required(*proposal_summary.PUBLISH_ROLES)
def publish():
    year, batch = _summary_args()
    seen = [int(x) for x in request.form.getlist("seen") if x.isdigit()]

    def step() -> None:
        proposal_summary.publish(get_session(), current_staff(), year, batch, seen, now_utc())

    perform(step, "办理情况已标记为发布。")
    return redirect(url_for("proposal_summary.summary", year=year, batch=batch or None))
