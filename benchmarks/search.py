"""Chinese search on PostgreSQL: the bigram GIN index (migration `speed`) against pg_trgm.

On a database filled with `huiying demo-data` and migrated to `speed`, builds a pg_trgm GIN
index over the same text (title, body, 编号), then times the ledger's search query both ways
(first page, newest first, and the bounded count) for two- and six-character phrases, common,
rare and absent ones. Prints index build times and sizes, and the median of 5 runs per query.

    .venv/bin/python benchmarks/search.py --database-url postgresql+psycopg://…/db [--keep-trgm]

The database needs a UTF-8 ctype (SHOW lc_ctype; e.g. CREATE DATABASE … TEMPLATE template0
LC_CTYPE 'C.UTF-8'), or pg_trgm ignores every Chinese character.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from ledger.db import make_engine  # noqa: E402
from ledger.search import STATS, bigram_query  # noqa: E402

CONCAT = "(title || ' ' || body || ' ' || external_id)"
PHRASES = [
    ("2 字·常见", "拖欠"),
    ("2 字·常见", "限电"),
    ("2 字·少见", "轴承"),
    ("2 字·没有", "量子"),
    ("6 字·常见", "专精特新中小"),
    ("6 字·常见", "清理拖欠中小"),
    ("6 字·少见", "东营港经济开"),
    ("6 字·没有", "量子计算芯片"),
]
EXACT = "(title ILIKE :like OR body ILIKE :like OR external_id ILIKE :like)"
QUERIES = {
    "bigram": f"huiying_bigrams({CONCAT}) @@ CAST(:q AS tsquery) AND {EXACT}",
    "pg_trgm": f"{CONCAT} ILIKE :like AND {EXACT}",
}


def timed(conn, sql: str, params: dict[str, str], runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        conn.execute(text(sql), params).all()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--keep-trgm", action="store_true", help="keep the pg_trgm index")
    args = parser.parse_args()
    engine = make_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        ctype = conn.execute(text("SHOW lc_ctype")).scalar()
        items = conn.execute(text("SELECT count(*) FROM item")).scalar()
        print(f"lc_ctype {ctype}；事项 {items:,} 条")
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        start = time.perf_counter()
        conn.execute(
            text(
                "CREATE INDEX IF NOT EXISTS bench_item_search_trgm ON item "
                f"USING gin ({CONCAT} gin_trgm_ops)"
            )
        )
        print(f"pg_trgm 索引建立 {time.perf_counter() - start:.0f} 秒")
        conn.execute(text("ANALYZE item"))
        with Session(engine) as session:
            STATS.refresh(session)  # the app's choice: the term's rarest bigram
        for name in ("ix_item_search_bigrams", "bench_item_search_trgm"):
            size = conn.execute(
                text("SELECT pg_size_pretty(pg_relation_size(CAST(:n AS regclass)))"), {"n": name}
            ).scalar()
            print(f"索引 {name}：{size}")
        print("\n| 词 | 命中 | 方法 | 第一页 ms | 计数（至多 10,001）ms |")
        print("|---|---:|---|---:|---:|")
        for label, phrase in PHRASES:
            like = f"%{phrase}%"
            params = {"q": bigram_query(phrase) or "", "like": like}
            hits = conn.execute(
                text(f"SELECT count(*) FROM item WHERE {QUERIES['bigram']}"), params
            ).scalar()
            for method, cond in QUERIES.items():
                page = (
                    f"SELECT id FROM item WHERE {cond} ORDER BY received_at DESC, id DESC LIMIT 51"
                )
                count = f"SELECT count(*) FROM (SELECT id FROM item WHERE {cond} LIMIT 10001) s"
                print(
                    f"| {label} {phrase} | {hits:,} | {method} | "
                    f"{timed(conn, page, params):.1f} | {timed(conn, count, params):.1f} |"
                )
        if not args.keep_trgm:
            conn.execute(text("DROP INDEX bench_item_search_trgm"))
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
