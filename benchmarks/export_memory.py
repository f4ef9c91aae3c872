"""Memory of a large Excel export: the app's /ledger/export.xlsx for the newest --rows items, in
one process like a gunicorn worker, reporting its peak resident memory and the time taken.

    .venv/bin/python benchmarks/export_memory.py --database-url postgresql+psycopg://…/db --rows 100000

The filter is the date range holding the newest --rows items (the export stops at its 100,000-row
cap). A session for the 督办 demo user is made through the app's session interface.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from flask_login import login_user  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from sqlalchemy import select  # noqa: E402

from ledger.clock.deadlines import SHANGHAI  # noqa: E402
from ledger.models import Item, User  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.auth import GENERATION_KEY, LoginUser  # noqa: E402
from webapp.database import get_session  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    app = create_app(
        {"DATABASE_URL": args.database_url, "INSTANCE_DIR": tempfile.mkdtemp(), "SECRET_KEY": "x"}
    )
    client = app.test_client()
    with app.test_request_context():
        session = get_session()
        user = session.scalars(select(User).where(User.username == "duban")).one()
        since = session.scalar(
            select(Item.received_at)
            .order_by(Item.received_at.desc())
            .offset(args.rows - 1)
            .limit(1)
        )
        login_user(LoginUser(user))
        with client.session_transaction() as cookie:
            cookie["_user_id"], cookie["_fresh"] = str(user.id), True
            cookie[GENERATION_KEY] = user.session_generation
    assert since is not None
    day = since.astimezone(SHANGHAI).date()
    before = rss_mib()
    start = time.perf_counter()
    response = client.get(f"/ledger/export.xlsx?from={day.isoformat()}", buffered=False)
    body = BytesIO()
    for chunk in response.response:
        body.write(chunk)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sheet = load_workbook(BytesIO(body.getvalue()), read_only=True).active
    rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
    print(
        f"导出 {rows:,} 行（收到时间自 {day}），{body.tell() / 2**20:.1f} MiB，用时 {elapsed:.1f} 秒"
    )
    print(f"进程内存：导出前 {before:.0f} MiB，峰值 {peak:.0f} MiB（在读回文件核对行数之前测得）")
    return 0 if response.status_code == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
