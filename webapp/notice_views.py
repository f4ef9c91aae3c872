"""In-app notices (催办, 督办, 分办, 审核 results) for the logged-in user."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask_login import current_user, login_required

from ledger.workflow.guards import now_utc
from ledger.workflow.notices import inbox, mark_read, unread_count
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.roles import perform

bp = Blueprint("notices", __name__, url_prefix="/notices")


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
    return render_template("notices/index.html", notices=inbox(get_session(), current_staff()))


@bp.post("/read")
@login_required
def read_all():
    perform(lambda: mark_read(get_session(), current_staff(), now_utc()), "已全部标为已读。")
    return redirect(url_for("notices.index"))
