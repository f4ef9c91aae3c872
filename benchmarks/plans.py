"""Query plans of the pages' queries at scale: EXPLAIN ANALYZE of every SQL statement the ledger
functions behind each page send (captured from the real functions, with their parameters).

    .venv/bin/python benchmarks/plans.py --database-url postgresql+psycopg://…/db

Prints, per page, each statement's scan nodes (index or sequential) and its execution time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from ledger.db import make_engine, make_session_factory  # noqa: E402
from ledger.models import Department, User  # noqa: E402
from ledger.queries import ItemFilter, get_item, list_page  # noqa: E402
from ledger.workflow import handling, review, supervision, triage  # noqa: E402
from ledger.workflow.notices import unread_count  # noqa: E402

KEEP = ("Scan", "Index", "Limit", "Sort", "Aggregate", "Join", "Nested Loop")


def pages(session: Session) -> dict[str, Callable[[], Any]]:
    now = datetime.now(UTC)
    user = {u.username: u for u in session.scalars(select(User))}
    fenban, zxqy, duban = user["fenban"], user["zxqy"], user["duban"]
    sme = session.scalars(select(Department).where(Department.code == "sme")).one()
    month = (now - timedelta(days=60)).date()

    def listing(u: User, **kw: Any) -> Callable[[], Any]:
        return lambda: list_page(session, u, ItemFilter(**kw), now=now)

    return {
        "台账列表（全部）": listing(fenban),
        "台账列表：渠道 12345": listing(fenban, channel="12345"),
        "台账列表：状态 办理中": listing(fenban, status="办理中"),
        "台账列表：处室 中小企业局": listing(fenban, department_id=sme.id),
        "台账列表：类型 领导信箱": listing(fenban, item_type="leader_mailbox"),
        "台账列表：一个月": listing(fenban, date_from=month, date_to=month + timedelta(days=30)),
        "台账列表：仅超期": listing(fenban, overdue_only=True),
        "台账列表：处室承办人（本处室）": listing(zxqy),
        "搜索 2 字 拖欠": listing(fenban, text="拖欠"),
        "搜索 6 字 专精特新中小": listing(fenban, text="专精特新中小"),
        "搜索 没有的词": listing(fenban, text="量子计算芯片"),
        "分办队列": lambda: triage.triage_queue(session, fenban),
        "分办计数": lambda: triage.triage_count(session, fenban),
        "承办列表": lambda: handling.my_items(session, zxqy),
        "审核队列": lambda: review.review_queue(session, user.get("zxqy-sh", zxqy)),
        "督办看板（90 天）": lambda: supervision.board(
            session, duban, now, now - timedelta(days=90)
        ),
        "督办看板（全部）": lambda: supervision.board(session, duban, now, None),
        "未读通知数": lambda: unread_count(session, zxqy),
        "事项页": lambda: get_item(session, fenban, 500_000),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--only", help="only pages whose name contains this")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    with make_session_factory(engine, read_only=True)() as session:
        for name, run in pages(session).items():
            if args.only and args.only not in name:
                continue
            captured.clear()
            event.listen(engine, "before_cursor_execute", capture)
            run()
            event.remove(engine, "before_cursor_execute", capture)
            print(f"\n## {name}")
            raw = session.connection().connection.driver_connection
            assert raw is not None
            for statement, params in list(captured):
                with raw.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                    plan = [row[0] for row in cur.fetchall()]
                lines = [plan[0].strip()] + [
                    p.strip() for p in plan[1:] if any(k in p for k in KEEP)
                ]
                print("  " + statement.split("FROM", 1)[-1][:90].replace("\n", " ").strip())
                for line in dict.fromkeys(lines):
                    print(f"    {line[:150]}")
                print(f"    {plan[-1].strip()}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
