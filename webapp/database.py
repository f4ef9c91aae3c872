"""One SQLAlchemy session per request; domain functions receive it, never create their own.

GET/HEAD/OPTIONS requests get a read-only session: on SQLite its transaction begins deferred, so
reads never wait for the write lock (WAL readers run beside a writer). Every other method gets
the default session, whose BEGIN IMMEDIATE keeps the read-then-write guarantee for writers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from ledger.db import make_engine, make_session_factory

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["huiying.engine"] = engine
    app.extensions["huiying.sessions"] = make_session_factory(engine)
    app.extensions["huiying.read_sessions"] = make_session_factory(engine, read_only=True)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db_session" not in g:
        reads_only = has_request_context() and request.method in READ_METHODS
        key = "huiying.read_sessions" if reads_only else "huiying.sessions"
        g.db_session = current_app.extensions[key]()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


@contextmanager
def bookkeeping_session() -> Iterator[Session]:
    """A short write transaction, apart from the request's session, for the bookkeeping a page
    view does (its notices marked read); commits on leaving, rolls back on error."""
    with current_app.extensions["huiying.sessions"]() as session, session.begin():
        yield session
