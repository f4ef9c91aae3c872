"""Jinja filters: times in Asia/Shanghai, deadline colours, masked personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from ledger.masking import mask_personal_data
from ledger.workflow.supervision import state
from webapp import services

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # defensive: the database layer returns aware UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI).strftime(fmt)


def item_state(item: object) -> str:
    """正常 / 黄牌 / 红牌 for an item now (answered, closed and paused items are 正常)."""
    return state(item, datetime.now(UTC))  # type: ignore[arg-type]


def rule_name(key: str) -> str:
    try:
        return services.clock().rules.get(key).name
    except Exception:  # noqa: BLE001 - an unknown type still displays
        return key


def masked_json(value: object) -> str:
    """An audit before/after dict as compact JSON with personal data masked."""
    if not value:
        return ""
    return mask_personal_data(json.dumps(value, ensure_ascii=False, default=str))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["masked"] = mask_personal_data
    app.jinja_env.filters["masked_json"] = masked_json
    app.jinja_env.globals["item_state"] = item_state
    app.jinja_env.filters["rule_name"] = rule_name
    app.jinja_env.filters["percent"] = lambda v: "—" if v is None else f"{v:.0%}"
