"""Who may read or edit 舆情事件 (data/opinion_events.toml [access]), the events config loaded once
per app, and reading the events forms' fields (times in Beijing time, item numbers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user, login_required

from ledger.workflow.events.config import EventConfig, load_event_config
from ledger.workflow.guards import WorkflowError
from webapp import params
from webapp.auth import current_staff
from webapp.params import parse_int
from webapp.services import clock, data_dir


def event_config() -> EventConfig:
    ext = current_app.extensions
    if ext.get("huiying.event_config") is None:
        config = load_event_config(data_dir() / "opinion_events.toml")
        config.check_rules(clock().rules)
        ext["huiying.event_config"] = config
    return ext["huiying.event_config"]


def can_edit() -> bool:
    return current_staff().has_role(*event_config().edit_roles)


def readers(view: Callable[..., Any]) -> Callable[..., Any]:
    """Login, and a role that may read events (editors and leaders); else 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.user.has_role(*event_config().read_roles):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def editors(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.user.has_role(*event_config().edit_roles):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class BadInput(WorkflowError):
    """A form field that could not be read (shown like any refused step)."""


def form_moment(name: str, label: str) -> datetime | None:
    return params.form_moment(
        name, lambda: BadInput(f"{label}格式不对（应为 年-月-日 时:分，北京时间）。")
    )


def form_version() -> int | None:
    return parse_int(request.form.get("version", ""), minimum=1)


def form_ids(raw: str) -> list[int]:
    """Item ids typed as "12, 15 16" (ids, not 编号)."""
    out = []
    for part in raw.replace("，", ",").replace(",", " ").split():
        value = parse_int(part, minimum=1)
        if value is None:
            raise BadInput(f"事项序号「{part[:20]}」不是有效的数字。")
        out.append(value)
    return out


def can_read_events() -> bool:
    return current_staff().has_role(*event_config().read_roles)
