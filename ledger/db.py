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


# Per-connection PostgreSQL settings, measured at 1,000,000 items (docs/performance.md):
# - plan_cache_mode: psycopg prepares a statement after 5 runs and PostgreSQL may then keep one
#   generic plan for it; for the Chinese search that plan ignores how common the term is, and a
#   处室 user's 2-character search went from 0.1 to 14 s once the connection had run it 5 times.
# - work_mem: a 处室's items (200,000 of them) and a term's bigram candidates are combined as
#   bitmaps; at the default 4 MB the 处室 bitmap turns lossy and the search function is recomputed
#   on every row of every lossy page (2.5 s for a term the 处室 never sees; 40 ms at 32 MB).
POSTGRES_SETTINGS = (
    ("plan_cache_mode", "force_custom_plan"),
    ("work_mem", "32MB"),
)


# More for the crawler's intake connections (make_engine(..., intake=True)): its batches are short
# transactions beside the web app on a small server. Measured on the demo crawl into a new ledger,
# whose tables have no statistics yet: the duplicate index's self-join (ledger.intake.duplicates)
# was planned for millions of rows, so PostgreSQL compiled it (JIT, 60–90 ms a batch) and ran it
# with two parallel workers on a 2-core machine, beside the two crawler processes.
INTAKE_POSTGRES_SETTINGS = (
    ("jit", "off"),
    ("max_parallel_workers_per_gather", "0"),
    # intake runs the same few statements for every batch (the items' INSERT 80 times a batch):
    # prepared ones may keep a generic plan (server CPU of the demo crawl's intake 6.5-6.9 → 4.8-5.0
    # s); the web app's search, which needs custom plans, does not run on these connections
    ("plan_cache_mode", "auto"),
)


def _set(dbapi_connection: Any, settings: tuple[tuple[str, str], ...]) -> None:
    with dbapi_connection.cursor() as cursor:
        for name, value in settings:
            cursor.execute(f"SET {name} = '{value}'")  # constants above, not input
    dbapi_connection.commit()


def _postgres_settings(dbapi_connection: Any, _record: Any) -> None:
    _set(dbapi_connection, POSTGRES_SETTINGS)


def _intake_settings(dbapi_connection: Any, _record: Any) -> None:
    _set(dbapi_connection, INTAKE_POSTGRES_SETTINGS)


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


def make_engine(url: str, *, intake: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys. `intake`: the
    crawler's writer (PostgreSQL connections also get INTAKE_POSTGRES_SETTINGS)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_settings)
        if intake:
            event.listen(engine, "connect", _intake_settings)
    return engine


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
