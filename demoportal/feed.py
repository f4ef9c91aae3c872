"""The 12345 work-order feed: bearer token, cursor paging (the last 工单编号 seen), report-back
endpoints (签收, 回退 with a reason, 办结反馈)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from demoportal.content import Message
from demoportal.state import PortalState

bp = Blueprint("feed", __name__, url_prefix="/api/12345")

MAX_LIMIT = 200
TIME = "%Y-%m-%d %H:%M:%S"


def _state() -> PortalState:
    return current_app.config["PORTAL_STATE"]


def _fail(status: int, msg: str) -> tuple[Response, int]:
    return jsonify({"code": status, "msg": msg}), status


@bp.before_request
def _check_token() -> tuple[Response, int] | None:
    expected = f"Bearer {_state().feed_token}"
    if request.headers.get("Authorization") != expected:
        return _fail(401, "token 无效或已过期")
    return None


def call_time(m: Message) -> datetime:
    """When the citizen called: 20 minutes to 3 hours before the order was dispatched."""
    return m.posted_at - timedelta(minutes=20 + (m.seq * 37) % 180)


def dispatched_at(m: Message) -> datetime:
    """An order reaches the department's feed when it is dispatched, so its 派单时间 is when it
    appears (the message's time). Dispatching it hours after it appeared put the newest order's
    派单时间 in the future, and intake rightly refused it on every crawl."""
    return m.posted_at


def order_status(m: Message, now: datetime) -> str:
    if m.returned_reason:
        return "已回退"
    if m.replied(now):
        return "已办结"
    if m.signed_at:
        return "办理中"
    return "待签收"


def order_json(m: Message, now: datetime) -> dict[str, Any]:
    dispatched = dispatched_at(m)
    limit = (dispatched + timedelta(days=7)).replace(hour=23, minute=59, second=59)
    replied = m.replied(now)
    return {
        "order_no": m.ext_id,
        "call_time": call_time(m).strftime(TIME),
        "appeal_type": m.kind,
        "title": m.title,
        "content": m.body,
        "time_limit": limit.strftime(TIME),
        "dispatch_time": dispatched.strftime(TIME),
        "urgency": m.urgency,
        "caller": m.author,
        "caller_phone": m.phone[:3] + "****" + m.phone[-4:],
        "status": order_status(m, now),
        "return_reason": m.returned_reason,
        "handle_unit": m.reply_unit if replied else None,
        "feedback": m.reply_text if replied else None,
        "feedback_time": m.reply_at.strftime(TIME) if replied and m.reply_at else None,
        "satisfaction": m.satisfaction if replied else None,
    }


@bp.get("/orders")
def orders() -> Response | tuple[Response, int]:
    state = _state()
    now = state.now()
    limit = min(request.args.get("limit", 50, type=int) or 50, MAX_LIMIT)
    cursor = request.args.get("cursor") or ""
    visible = list(reversed(state.visible("feed")))  # oldest first
    start = 0
    if cursor:
        ids = [m.ext_id for m in visible]
        if cursor not in ids:
            return _fail(400, f"无效的游标 {cursor}")
        start = ids.index(cursor) + 1
    chunk = visible[start : start + limit]
    has_more = start + limit < len(visible)
    return jsonify(
        {
            "code": 0,
            "msg": "ok",
            "data": {
                "total": len(visible),
                "items": [order_json(m, now) for m in chunk],
                "has_more": has_more,
                "next_cursor": chunk[-1].ext_id if chunk and has_more else None,
            },
        }
    )


def _order(order_no: str) -> Message | None:
    return _state().find("feed", order_no)


@bp.get("/orders/<order_no>")
def order(order_no: str) -> Response | tuple[Response, int]:
    m = _order(order_no)
    if m is None:
        return _fail(404, f"工单 {order_no} 不存在")
    return jsonify({"code": 0, "msg": "ok", "data": order_json(m, _state().now())})


def _report(order_no: str, action: str, payload: dict[str, Any]) -> None:
    _state().feed_actions.append({"order_no": order_no, "action": action, **payload})


@bp.post("/orders/<order_no>/sign")
def sign(order_no: str) -> Response | tuple[Response, int]:
    """签收."""
    state = _state()
    with state.lock:
        m = _order(order_no)
        if m is None:
            return _fail(404, f"工单 {order_no} 不存在")
        if m.returned_reason:
            return _fail(409, "工单已回退，不能签收")
        m.signed_at = m.signed_at or state.now()
        _report(order_no, "签收", {})
        return jsonify({"code": 0, "msg": "已签收", "data": order_json(m, state.now())})


@bp.post("/orders/<order_no>/return")
def send_back(order_no: str) -> Response | tuple[Response, int]:
    """回退, with the reason (required)."""
    state = _state()
    reason = str((request.get_json(silent=True) or {}).get("reason") or "").strip()
    if not reason:
        return _fail(400, "回退必须填写理由 (reason)")
    with state.lock:
        m = _order(order_no)
        if m is None:
            return _fail(404, f"工单 {order_no} 不存在")
        if m.replied(state.now()):
            return _fail(409, "工单已办结，不能回退")
        m.returned_reason = reason
        _report(order_no, "回退", {"reason": reason})
        return jsonify({"code": 0, "msg": "已回退", "data": order_json(m, state.now())})


@bp.post("/orders/<order_no>/feedback")
def feedback(order_no: str) -> Response | tuple[Response, int]:
    """办结反馈: {"content": ..., "unit": ...}."""
    state = _state()
    body = request.get_json(silent=True) or {}
    content = str(body.get("content") or "").strip()
    if not content:
        return _fail(400, "办结反馈必须填写办理结果 (content)")
    with state.lock:
        m = _order(order_no)
        if m is None:
            return _fail(404, f"工单 {order_no} 不存在")
        if m.returned_reason:
            return _fail(409, "工单已回退")
        now = state.now().replace(microsecond=0)
        m.reply_template = content.replace("{", "（").replace("}", "）")
        m.reply_unit = str(body.get("unit") or m.reply_unit)
        m.reply_at = now
        m.signed_at = m.signed_at or now
        _report(order_no, "办结反馈", {"content": content})
        return jsonify({"code": 0, "msg": "已办结", "data": order_json(m, now)})
