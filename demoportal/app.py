"""Flask app factory for the demo portal: the three external systems the 工信厅 receives messages on."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, request

from demoportal import admin, feed, pages
from demoportal.state import PortalState


def create_app(state: PortalState | None = None, **build_options: Any) -> Flask:
    """`state` (or the options for `PortalState.build`) decides the clock, seed and sizes."""
    app = Flask(__name__)
    app.config["PORTAL_STATE"] = state or PortalState.build(**build_options)
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.register_blueprint(pages.bp)
    app.register_blueprint(feed.bp)
    app.register_blueprint(admin.bp)
    app.before_request(_fault_before)
    app.after_request(_fault_after)
    return app


def _state() -> PortalState:
    from flask import current_app

    return current_app.config["PORTAL_STATE"]


def _fault_before() -> Response | None:
    if request.path.startswith("/admin/"):
        return None
    with _state().lock:  # tests check that no page is fetched twice
        _state().served[request.full_path.rstrip("?")] += 1
    fault = _state().take_fault(request.path, request.query_string.decode("latin-1"))
    if fault is None:
        return None
    if fault.kind == "status":
        return Response(
            "服务器内部错误", status=fault.status, content_type="text/plain; charset=utf-8"
        )
    if fault.kind == "delay":
        time.sleep(fault.seconds)
        return None
    request.environ["demoportal.fault"] = fault.kind
    return None


def _fault_after(response: Response) -> Response:
    kind = request.environ.get("demoportal.fault")
    if not kind:
        return response
    data = response.get_data()
    if kind == "truncate":
        response.set_data(data[: len(data) // 2])
    elif kind == "broken":
        # a page cut off by a failing template: markup without the content blocks
        response.set_data(b'<html><head><title></title></head><body><div class="replyInfoHead"><h1')
    elif kind == "encoding":
        charset = (response.mimetype_params.get("charset") or "utf-8").lower()
        text = data.decode(charset, errors="replace")
        wrong = "utf-8" if charset in {"gbk", "gb2312", "gb18030"} else "gbk"
        response.set_data(text.encode(wrong, errors="replace"))
    return response
