"""Error pages. An item that does not exist and one the user may not see are the same 404."""

from __future__ import annotations

from flask import Flask, g, render_template
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from ledger.queries import NotVisible

NOT_FOUND_MESSAGE = "找不到该页面或事项，或您无权查看。"


def _not_found_page() -> tuple[str, int]:
    page = render_template("error.html", code=404, title="找不到", message=NOT_FOUND_MESSAGE)
    return page, 404


def init_app(app: Flask) -> None:
    @app.errorhandler(NotVisible)
    def _not_visible(exc: NotVisible) -> tuple[str, int]:
        # A step may have changed rows before it looked up the item: keep none of it.
        session: Session | None = g.get("db_session")
        if session is not None:
            session.rollback()
        return _not_found_page()

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> tuple[str, int]:
        return _not_found_page()
