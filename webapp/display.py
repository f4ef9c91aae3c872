"""Jinja filters: times in Asia/Shanghai, deadline colours, masked personal data."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

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


def local_time_markup(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> Markup:
    """The `local_time` filter: a time we format holds no personal data, so it skips the
    masking every printed string passes (dates have enough digits to look like a phone number
    to its first check: two regex passes per date, a dozen dates a row on the list pages)."""
    return escape(local_time(value, fmt))


def item_state(item: object) -> str:
    """正常 / 黄牌 / 红牌 for an item now (answered, closed and paused items are 正常)."""
    return state(item, datetime.now(UTC))  # type: ignore[arg-type]


def rule_name(key: str) -> str:
    try:
        return services.clock().rules.get(key).name
    except Exception:  # noqa: BLE001 - an unknown type still displays
        return key


_SIGNAL = re.compile(r"^(?P<name>[^（]+)（(?P<detail>.*)）\+\d+$")


def risk_words(reasons: list[str] | None) -> str:
    """The classifier's scoring lines ("投诉（投诉、举报）+1") as a person says them:
    "投诉：文中有“投诉、举报”"; repeat complaints say how many times before."""
    out = []
    for reason in reasons or []:
        m = _SIGNAL.match(reason)
        if not m:
            out.append(reason)
        elif m["name"] == "重复投诉":
            out.append(f"重复投诉：{m['detail'].split('，')[0]}")
        else:
            words = "、".join(f"“{w}”" for w in m["detail"].split("、"))
            out.append(f"{m['name']}：文中有{words}")
    return "；".join(out)


RISK_LABELS = {"一般": "风险一般", "较大": "风险较大", "重大": "风险重大"}


def masked_json(value: object) -> str:
    """An audit before/after dict as compact JSON with personal data masked."""
    if not value:
        return ""
    return mask_personal_data(json.dumps(value, ensure_ascii=False, default=str))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time_markup
    app.jinja_env.filters["masked"] = mask_personal_data
    app.jinja_env.filters["masked_json"] = masked_json
    app.jinja_env.globals["item_state"] = item_state
    app.jinja_env.filters["rule_name"] = rule_name
    app.jinja_env.filters["risk_words"] = risk_words
    app.jinja_env.globals["risk_labels"] = RISK_LABELS
    app.jinja_env.filters["percent"] = lambda v: "—" if v is None else f"{v:.0%}"
