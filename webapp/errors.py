"""Error pages in Chinese for 400/403/404/429/500, each with a way back; and the favicon.

An item that does not exist and one the user may not see are the same 404 (one handler for
`NotVisible`, so views never catch it themselves)."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request, send_from_directory
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

from ledger.queries import NotVisible

log = logging.getLogger(__name__)

PAGES = {
    400: ("请求有误", "提交的内容不完整或格式不对。请返回上一页检查后重试。"),
    403: ("没有权限", "您的角色不能打开这个页面或执行这个操作。如需权限，请联系系统管理员。"),
    404: (
        "找不到页面",
        "该页面或事项不存在，或不在您处室的可见范围内（例如事项已转给其他处室）。",
    ),
    405: ("操作方式不对", "请从页面上的按钮操作，不要直接打开这个地址。"),
    410: ("已转走", "该内容已不在这里。"),
    413: ("文件太大", "上传的文件超过了允许的大小。"),
    429: ("操作太频繁", "短时间内请求次数过多，请稍等一分钟后再试。"),
    500: (
        "系统出错",
        "系统处理时出现错误，本次操作未完成。请稍后重试；如仍出错，请联系系统管理员。",
    ),
}


def error_page(code: int, detail: str | None = None) -> tuple[str, int]:
    title, text = PAGES.get(code, ("出错了", "请求未能完成。"))
    back = request.referrer if request.referrer and request.referrer != request.url else None
    page = render_template("error.html", code=code, title=title, message=detail or text, back=back)
    return page, code


def init_app(app: Flask) -> None:
    @app.errorhandler(NotVisible)
    def _not_visible(exc: NotVisible) -> tuple[str, int]:
        # A step may have changed rows before it looked up the item: keep none of it.
        session: Session | None = g.get("db_session")
        if session is not None:
            session.rollback()
        return error_page(404)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        # our own 400s (bad numbers, CSRF) carry a Chinese description worth showing
        detail = exc.description if code == 400 and _is_chinese(exc.description) else None
        return error_page(code, detail)

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError) -> tuple[str, int]:
        log.error("HTTP 500 at %s", request.path, exc_info=exc.original_exception)
        return error_page(500)

    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(
            app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml"
        )


def _is_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text or "")
