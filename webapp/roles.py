"""Role checks for views, and running a workflow step with the right message on failure."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, g
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from ledger.models import Role
from ledger.workflow.guards import VersionConflict, WorkflowError
from webapp.database import get_session
from webapp.params import parse_int

F = TypeVar("F", bound=Callable[..., Any])

STALE_MESSAGE = "该事项刚被他人修改，本次操作未保存。请刷新页面查看最新内容后重试。"


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Login required, and the user must hold one of `roles` (else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def perform(step: Callable[[], object], success: str) -> bool:
    """Run one workflow step and commit; flash the outcome. Unknown/invisible items give 404 (webapp.errors).

    After a version conflict `conflicted()` is true, so a view can show the user's typed text
    beside the current version instead of dropping it.
    """
    session = get_session()
    g.version_conflict = False
    try:
        step()
        session.commit()
    except WorkflowError as exc:
        session.rollback()
        g.version_conflict = isinstance(exc, VersionConflict)
        flash(str(exc), "error")
        return False
    except StaleDataError:  # the row changed between our read and our write
        session.rollback()
        g.version_conflict = True
        flash(STALE_MESSAGE, "error")
        return False
    flash(success, "info")
    return True


def conflicted() -> bool:
    """Did the last `perform` fail because someone else changed the item (or no version came)?"""
    return bool(g.get("version_conflict"))


def form_version(value: str | None) -> int | None:
    """The item version the form was rendered with (hidden field `version`).

    None when missing or not a number: the ledger refuses None like a stale version.
    """
    return parse_int(value or "", minimum=1)
