"""In-app notices (催办, 督办, 分办, 审核 results) for the logged-in user: filtered, paged, read one
by one or all at once; a digest lists its items, and an item that has moved says where it went."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ledger.models import Item
from ledger.queries import NotVisible, get_item
from ledger.workflow.guards import now_utc
from ledger.workflow.notices import NOTICE_KINDS, inbox_page, mark_read, told_about, unread_count
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.params import int_arg
from webapp.roles import perform

bp = Blueprint("notices", __name__, url_prefix="/notices")
PAGE_SIZE = 30


def init_app(app: Flask) -> None:
    @app.context_processor
    def _unread():
        def unread_notices() -> int:
            if not current_user.is_authenticated:
                return 0
            return unread_count(get_session(), current_staff())

        return {"unread_notices": unread_notices}


@bp.get("/")
@login_required
def index():
    kind = request.args.get("kind") or None
    kind = kind if kind in NOTICE_KINDS else None
    unread_only = request.args.get("unread") == "1"
    page = int_arg("page", 1, label="页码", minimum=1, maximum=1_000_000) or 1
    notices, total = inbox_page(
        get_session(),
        current_staff(),
        kind=kind,
        unread_only=unread_only,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render_template(
        "notices/index.html",
        notices=notices,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        kinds=NOTICE_KINDS,
        kind=kind,
        unread_only=unread_only,
    )


def _back():
    """Back to the list the user was on (same filters and page)."""
    args: dict[str, Any] = {
        k: v for k, v in request.form.items() if k in ("kind", "unread", "page") and v.strip()
    }
    return redirect(url_for("notices.index", **args))


@bp.post("/read")
@login_required
def read_all():
    perform(lambda: mark_read(get_session(), current_staff(), now_utc()), "已全部标为已读。")
    return _back()


@bp.post("/<int:notice_id>/read")
@login_required
def read_one(notice_id: int):
    perform(
        lambda: mark_read(get_session(), current_staff(), now_utc(), ids=[notice_id]),
        "已标为已读。",
    )
    return _back()


@bp.get("/items/<int:item_id>")
@login_required
def item(item_id: int):
    """Follow a notice to its item; if the item has since moved out of the user's sight, say
    where it went (only for items a notice told this user about), instead of a bare 404."""
    session = get_session()
    user = current_staff()
    try:
        get_item(session, user, item_id)
    except NotVisible:
        pass
    else:
        return redirect(url_for("ledger.item", item_id=item_id))
    it = session.get(Item, item_id)
    if it is None or not told_about(session, user, item_id):
        abort(404)
    return render_template("notices/moved.html", item=it), 410
