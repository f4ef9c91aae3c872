"""Loopback-only controls for demos and incremental-crawl tests: the clock, replies, faults."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, abort, current_app, jsonify, request

from demoportal.state import Fault, PortalState

bp = Blueprint("admin", __name__, url_prefix="/admin")

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _state() -> PortalState:
    return current_app.config["PORTAL_STATE"]


@bp.before_request
def _loopback_only() -> None:
    if request.remote_addr not in LOOPBACK:
        abort(403)


@bp.get("/state")
def state() -> Response:
    s = _state()
    now = s.now()
    return jsonify(
        {
            "now": now.isoformat(),
            "visible": {name: len(s.visible(name)) for name in s.messages},
            "pending": {name: len(s.pending(name)) for name in s.messages},
            "faults": [asdict(f) for f in s.faults],
            "feed_actions": s.feed_actions[-50:],
        }
    )


@bp.post("/advance")
def advance() -> Response:
    """Move the clock: {"days": 3} or {"hours": 5}. Scheduled replies and messages appear."""
    body = request.get_json(silent=True) or {}
    now = _state().advance(days=float(body.get("days", 0)), hours=float(body.get("hours", 0)))
    return jsonify({"now": now.isoformat()})


@bp.post("/reply")
def reply() -> Response:
    """Answer the N oldest open messages of a system now: {"source": "board", "count": 5}."""
    body = request.get_json(silent=True) or {}
    source = str(body.get("source", "board"))
    if source not in _state().messages:
        abort(400)
    ids = _state().add_replies(source, int(body.get("count", 1)))
    return jsonify({"source": source, "replied": ids})


@bp.post("/faults")
def set_faults() -> Response:
    """Replace the fault list: [{"path": "/board/list", "query": "page=3", "kind": "status"}]."""
    rules = request.get_json(silent=True) or []
    s = _state()
    with s.lock:
        s.faults = [Fault(**{k: v for k, v in r.items() if k != "fired"}) for r in rules]
    return jsonify({"faults": len(s.faults)})


@bp.delete("/faults")
def clear_faults() -> Response:
    _state().faults = []
    return jsonify({"faults": 0})
