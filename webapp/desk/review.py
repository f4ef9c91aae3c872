"""审核: approve or return submitted replies; approve or refuse extension and pause requests."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from ledger.clock.rules import UNIT_ZH
from ledger.models import Role, User
from ledger.queries import get_item
from ledger.workflow import handling, review
from ledger.workflow.guards import now_utc
from ledger.workflow.item_clock import deadline_if_extended
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.desk.text_diff import diff_segments
from webapp.roles import conflicted, form_version, perform, roles_required
from webapp.services import clock, report_back

bp = Blueprint("review", __name__, url_prefix="/review")
ROLES = (Role.REVIEWER, Role.SUPERVISOR)


@bp.get("/")
@roles_required(*ROLES)
def queue():
    items = review.review_queue(get_session(), current_staff())
    return render_template(
        "review/queue.html",
        items=items,
        pending=handling.pending_adjustments,
        staff_reply=handling.staff_reply,
    )


@bp.get("/items/<int:item_id>")
@roles_required(*ROLES)
def item(item_id: int):
    return _item_page(item_id)


def _item_page(item_id: int, kept_comment: str = "", status: int = 200):
    session = get_session()
    it = get_item(session, current_staff(), item_id)
    reply = handling.staff_reply(it)
    pending = handling.pending_adjustments(it)
    revisions = reply.revisions if reply else []
    rules, calendar = clock().rules, clock().calendar
    people = {u.id: u.display_name for u in session.scalars(select(User))}
    page = render_template(
        "review/item.html",
        item=it,
        reply=reply,
        submitter=people.get(reply.author_id) if reply and reply.author_id else None,
        previous=revisions[-2] if len(revisions) > 1 else None,
        diff=diff_segments(revisions[-2].text, reply.text) if reply and len(revisions) > 1 else [],
        pending=pending,
        pending_due={
            a.id: deadline_if_extended(it, rules, calendar, a.amount or 0, a.at).due_at
            for a in pending
            if a.kind == "extend" and a.amount
        },
        unit=UNIT_ZH.get(rules.get(it.item_type).unit, ""),
        people=people,
        can_review=current_staff().has_role(Role.REVIEWER),
        kept_comment=kept_comment.strip(),
    )
    return page, status


def _after_failure(item_id: int):
    """On a version conflict the page is shown again with the typed comment kept (409)."""
    if conflicted() and request.form.get("comment", "").strip():
        return _item_page(item_id, request.form.get("comment", ""), 409)
    return redirect(url_for("review.item", item_id=item_id))


def _version() -> int | None:
    return form_version(request.form.get("version"))


@bp.post("/items/<int:item_id>/approve")
@roles_required(Role.REVIEWER)
def approve(item_id: int):
    ok = perform(
        lambda: review.approve(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            now=now_utc(),
            comment=request.form.get("comment", ""),
            report_back=report_back(),
        ),
        "答复已批准，事项计为已答复。",
    )
    return redirect(url_for("review.queue")) if ok else _after_failure(item_id)


@bp.post("/items/<int:item_id>/edit")
@roles_required(Role.REVIEWER)
def edit(item_id: int):
    ok = perform(
        lambda: review.edit_reply(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            request.form.get("text", ""),
            now=now_utc(),
        ),
        "已保存您的修改。按四眼原则，修改后的答复须由本处室另一位审核人批准。",
    )
    return redirect(url_for("review.item", item_id=item_id)) if ok else _after_failure(item_id)


@bp.post("/items/<int:item_id>/return")
@roles_required(Role.REVIEWER)
def return_reply(item_id: int):
    ok = perform(
        lambda: review.return_reply(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            request.form.get("comment", ""),
            now=now_utc(),
        ),
        "已退回承办人修改。",
    )
    return redirect(url_for("review.queue")) if ok else _after_failure(item_id)


@bp.post("/items/<int:item_id>/clock/<int:adjustment_id>")
@roles_required(*ROLES)
def clock_request(item_id: int, adjustment_id: int):
    approve = request.form.get("decision") == "approve"
    ok = perform(
        lambda: review.decide_clock_request(
            get_session(),
            current_staff(),
            item_id,
            _version(),
            adjustment_id,
            approve,
            now=now_utc(),
            clock=clock(),
            comment=request.form.get("comment", ""),
        ),
        "已批准，办理时限已重新计算。" if approve else "已驳回申请。",
    )
    return redirect(url_for("review.item", item_id=item_id)) if ok else _after_failure(item_id)
