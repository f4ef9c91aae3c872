"""Declarative base, engine and session factory. Sessions are made here and passed into domain code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from ledger.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The crawler and the web app write at the same time: WAL lets readers go on, and the busy
    # timeout makes a writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Let SQLAlchemy, not the sqlite3 module, emit BEGIN: savepoints then work as documented.
    dbapi_connection.isolation_level = None


# Execution option set on the engine behind read-only sessions (make_session_factory).
READ_ONLY = "huiying_read_only"


class ReadOnlySessionError(RuntimeError):
    """A read-only session (a GET request's) tried to write."""


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get(READ_ONLY):
        # Deferred: a reader takes no lock, so under WAL it never queues behind a writer.
        conn.exec_driver_sql("BEGIN")
        return
    # IMMEDIATE takes the write lock up front, so a read-then-write transaction waits for the
    # busy timeout instead of failing at once when another process wrote in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker:
    """Sessions on `engine`. Read-only ones begin deferred on SQLite and refuse to flush changes:
    a write in a deferred transaction could fail at once when another writer got in first, so
    writes belong in the default (BEGIN IMMEDIATE) sessions only."""
    if not read_only:
        return sessionmaker(bind=engine, expire_on_commit=False)
    factory = sessionmaker(
        bind=engine.execution_options(**{READ_ONLY: True}),
        expire_on_commit=False,
        info={READ_ONLY: True},
    )
    event.listen(factory, "before_flush", _refuse_writes)
    return factory


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError(
            "只读会话不能写入：写操作应在 POST 请求（BEGIN IMMEDIATE 的会话）中进行。"
        )
