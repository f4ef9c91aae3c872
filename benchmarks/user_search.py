"""The ledger's Chinese search as one signed-in user sees it: each term run several times on one
database connection (psycopg prepares a statement from its 6th run: a generic plan would show
there), first page of 50, newest first, the user's visibility applied.

    .venv/bin/python benchmarks/user_search.py --database-url postgresql+psycopg://…/db \\
        --user zxqy 限电 拖欠 补贴 园区 基站 专精 [--runs 8] [--postgres-defaults]

Prints milliseconds per run for each term and the number of rows on the page.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from ledger.db import POSTGRES_SETTINGS, make_engine, make_session_factory  # noqa: E402
from ledger.models import User  # noqa: E402
from ledger.queries import ItemFilter, list_page  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--user", default="fenban", help="username (demo accounts: fenban, zxqy…)")
    parser.add_argument("--runs", type=int, default=8, help="runs per term on one connection")
    parser.add_argument(
        "--postgres-defaults",
        action="store_true",
        help="reset ledger.db's connection settings first (how the search ran before them)",
    )
    parser.add_argument("terms", nargs="+")
    args = parser.parse_args()
    engine = make_engine(args.database_url, pool_size=1, max_overflow=0)
    print(f"| 词 | 本页条数 | 每次 ms（同一连接，{args.runs} 次） | 最慢 ms |")
    print("|---|---:|---|---:|")
    with make_session_factory(engine, read_only=True)() as session:
        if args.postgres_defaults:
            for name, _ in POSTGRES_SETTINGS:
                session.connection().exec_driver_sql(f"RESET {name}")
        user = session.scalars(select(User).where(User.username == args.user)).one_or_none()
        if user is None:
            print(f"没有用户 {args.user}：先运行 huiying init-db --demo", file=sys.stderr)
            return 2
        for term in args.terms:
            times, rows = [], 0
            for _ in range(args.runs):
                start = time.perf_counter()
                page = list_page(session, user, ItemFilter(text=term), now=datetime.now(UTC))
                times.append((time.perf_counter() - start) * 1000)
                rows = len(page.items)
            print(f"| {term} | {rows} | {' '.join(f'{t:.0f}' for t in times)} | {max(times):.0f} |")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
