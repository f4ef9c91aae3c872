"""One SQLAlchemy session per request; domain functions receive it, never create their own."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from ledger.db import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["huiying.engine"] = engine
    app.extensions["huiying.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["huiying.sessions"]()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()
