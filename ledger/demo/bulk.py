"""Bulk demo data: a 台账 of many years at office scale, for load tests and query plans.

Texts are recombined from the demo portal's templates (data/demo), passed in as plain data.
Proportions follow what a provincial office sees: most items come from 12345, most old items
are answered and closed, a small open backlog runs late, and each item leaves a few audit
events, a reply, sometimes a pause or extension and a reminder notice. Rows are written in
chunks by PostgreSQL COPY (psycopg 3) or SQLite executemany, with explicit ids so the related
rows can point at their item without a round trip.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ledger.demo.rows import TABLES, ChunkRows, Corpus, Org, item_rows

CHUNK = 20_000

Progress = Callable[[int, int], None]


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    first_received: datetime | None = None
    last_received: datetime | None = None


def load_org(conn: Connection) -> Org:
    """Departments, users and sources as they are in the database (sources made if missing)."""
    for slug, name, channel in (
        ("demo_12345", "12345 热线工单", "12345"),
        ("demo_board", "网站留言板", "留言板"),
        ("demo_mailbox", "领导信箱", "领导信箱"),
        ("manual", "人工录入", "人工录入"),
    ):
        exists = conn.execute(text("SELECT 1 FROM source WHERE slug = :s"), {"s": slug}).first()
        if exists is None:
            conn.execute(
                text("INSERT INTO source (slug, name, channel, active) VALUES (:s, :n, :c, :a)"),
                {"s": slug, "n": name, "c": channel, "a": True},
            )
    sources = {r.channel: (r.id, r.slug) for r in conn.execute(text("SELECT * FROM source"))}
    departments = {r.name: (r.id, r.code) for r in conn.execute(text("SELECT * FROM department"))}
    users: dict[int | None, list[tuple[int, str, str]]] = {}
    held = text(  # one row per role a user holds
        "SELECT u.id, u.username, r.role, u.department_id FROM user_account u "
        "JOIN user_role r ON r.user_id = u.id ORDER BY u.id, r.position"
    )
    for r in conn.execute(held):
        users.setdefault(r.department_id, []).append((r.id, r.username, r.role))
    if not departments:
        raise RuntimeError("数据库里没有处室目录：请先运行 huiying init-db。")
    return Org(sources=sources, departments=departments, users=users)


def _next_ids(conn: Connection) -> dict[str, int]:
    return {t: (conn.execute(text(f"SELECT max(id) FROM {t}")).scalar() or 0) + 1 for t in TABLES}


def generate(
    engine: Engine,
    corpus: Corpus,
    *,
    items: int,
    years: float = 4.0,
    seed: int = 14,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Add `items` items (with their replies, events, adjustments, notices) received over `years`."""
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    summary = Summary(counts=dict.fromkeys(TABLES, 0))
    with engine.begin() as conn:
        org = load_org(conn)
        ids = _next_ids(conn)
    rng = random.Random(seed)
    span = timedelta(days=365 * years)
    start = now - span
    # Volume grows over the years (more channels join 12345): received times drawn with a ramp,
    # all sorted first so rows are stored in arrival order, as a real 台账 is.
    fractions = sorted(rng.random() ** 0.8 for _ in range(items))
    done = 0
    while done < items:
        n = min(CHUNK, items - done)
        times = [start + span * f for f in fractions[done : done + n]]
        chunk = item_rows(rng, corpus, org, ids, times, now)
        with engine.begin() as conn:
            _write(conn, chunk)
        for table, rows in chunk.tables.items():
            summary.counts[table] += len(rows)
        summary.first_received = summary.first_received or times[0]
        done += n
        if progress:
            progress(done, items)
    summary.last_received = now
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        _after_load(conn)
    summary.seconds = time.perf_counter() - started
    return summary


def _write(conn: Connection, chunk: ChunkRows) -> None:
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            for table, rows in chunk.tables.items():
                if rows:
                    names = ", ".join(TABLES[table])
                    with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        return
    raw = conn.connection.driver_connection
    for table, rows in chunk.tables.items():
        if rows:
            cols = TABLES[table]
            marks = ", ".join("?" for _ in cols)
            raw.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                [_sqlite_row(r) for r in rows],
            )


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # SQLAlchemy's SQLite DateTime storage format (naive UTC), as UTCDateTime writes it
    return tuple(
        v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
        for v in row
    )


def _after_load(conn: Connection) -> None:
    """Sequences past the explicit ids (PostgreSQL) and fresh planner statistics."""
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )
        for table in TABLES:  # VACUUM sets the visibility map: index-only scans after a bulk load
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    else:
        conn.execute(text("ANALYZE"))
