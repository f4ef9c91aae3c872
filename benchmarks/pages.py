"""One user, one page at a time: wall and CPU milliseconds per request for the pages the load test
uses, through the real Flask app (test client, no HTTP server) on an existing database.

CPU time is what a page costs whatever else runs on the machine; wall time on a shared machine
is mostly waiting for a core. `--profile URL` prints a CPU-time profile of that page instead.
The last row is a month's Excel export (the month before the newest item's). `--confirm N` also
times N 分办确认 POSTs as the load test sends them (they write: use a copy of the database);
with `--profile confirm` it profiles those POSTs.

    .venv/bin/python benchmarks/pages.py --database-url sqlite:///instance/huiying.db [--repeat 20]
    .venv/bin/python benchmarks/pages.py --database-url … --profile /triage/ [--as fenban]
    .venv/bin/python benchmarks/pages.py --database-url sqlite:////tmp/copy.db --confirm 10
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import event

REPO = Path(__file__).resolve().parents[1]
SORT = os.environ.get("PROFILE_SORT", "cumulative")  # or tottime: where the time itself goes
sys.path.insert(0, str(REPO))

# (user, url): 分办员, 处室承办人 and 督办 pages of benchmarks/load.py
PAGES = [
    ("fenban", "/triage/"),
    ("fenban", "/triage/?tab=all"),
    ("fenban", "/ledger/"),
    ("fenban", "/ledger/?status=办理中"),
    ("fenban", "/ledger/?channel=12345"),
    ("fenban", "/ledger/?q=拖欠"),
    ("fenban", "/ledger/?q=专精特新中小"),
    ("fenban", "/ledger/?overdue=1"),
    ("fenban", "/ledger/items/{item}"),
    ("fenban", "/triage/items/{item}"),
    ("zxqy", "/ledger/"),
    ("zxqy", "/ledger/?overdue=1"),
    ("zxqy", "/ledger/?q=园区"),
    ("zxqy", "/workbench/"),
    ("zxqy", "/workbench/items/{handled}"),
    ("duban", "/supervision/"),
]
# the workbench's first item, as benchmarks/load.py picks one
WORKBENCH_ITEM = re.compile(r'href="/workbench/items/(\d+)"')
# the queue's row form, as benchmarks/load.py reads it
CONFIRM_FORM = re.compile(
    r'action="/triage/items/(\d+)/confirm" class="row-form">\s*'
    r'<input type="hidden" name="csrf_token" value="([^"]+)">'
    r'<input type="hidden" name="version" value="(\d+)">'
)


def watch_backends(engine: Any) -> set[int]:
    """The process ids of PostgreSQL's backends serving this engine's connections (filled in as
    connections open): their CPU is the database's share of a page."""
    pids: set[int] = set()
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _backend(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.add(cursor.fetchone()[0])
            dbapi_connection.commit()

    return pids


def postgres_cpu(backends: set[int]) -> tuple[float, float]:
    """CPU seconds so far: of this process's backends, and of every PostgreSQL process (parallel
    query workers included — and whatever other sessions on the machine make PostgreSQL do)."""
    mine = everything = 0.0
    for proc in psutil.process_iter(["name"]):
        if not (proc.info["name"] or "").startswith("postgres"):
            continue
        try:
            seconds = sum(proc.cpu_times()[:2])
        except psutil.Error:
            continue
        everything += seconds
        if proc.pid in backends:
            mine += seconds
    return mine, everything


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", metavar="URL")
    parser.add_argument("--as", dest="username", default="fenban")
    parser.add_argument("--confirm", type=int, default=0, metavar="N")
    parser.add_argument("--only", metavar="REGEX", help="only the pages whose URL matches REGEX")
    args = parser.parse_args()

    from flask.testing import FlaskClient
    from sqlalchemy import func, select

    from ledger.clock.deadlines import SHANGHAI
    from ledger.models import Item, User
    from webapp import create_app
    from webapp.auth import GENERATION_KEY, LoginUser
    from webapp.database import get_session

    instance = os.environ.get("HUIYING_INSTANCE_DIR") or tempfile.mkdtemp(prefix="huiying-pages-")
    app = create_app({"DATABASE_URL": args.database_url, "INSTANCE_DIR": instance})
    backends = watch_backends(app.extensions["huiying.engine"])

    def client_for(username: str) -> FlaskClient:
        """A client with a login session (Flask-Login's keys), no password check."""
        client = app.test_client()
        with app.test_request_context(), client.session_transaction() as session:
            user = get_session().scalars(select(User).where(User.username == username)).one()
            session["_user_id"] = LoginUser(user).get_id()
            session["_fresh"] = True
            session[GENERATION_KEY] = user.session_generation
        return client

    with app.app_context():
        item = get_session().scalar(select(func.min(Item.id)))
        newest = get_session().scalar(select(func.max(Item.received_at)))
    last = (newest.astimezone(SHANGHAI) if newest else datetime.now(UTC)).date().replace(day=1)
    last -= timedelta(days=1)
    pages = [*PAGES, ("duban", f"/ledger/export.xlsx?from={last.replace(day=1)}&to={last}")]

    def confirm(
        client: FlaskClient, profile: cProfile.Profile | None = None
    ) -> tuple[float, float] | None:
        """One 分办确认 POST of the queue's first row: (wall, CPU) seconds; None: queue empty.
        `profile` records the POST only (not the queue page read for its form)."""
        forms = CONFIRM_FORM.findall(client.get("/triage/").get_data(as_text=True))
        if not forms:
            return None
        item_id, token, version = forms[0]
        data = {"csrf_token": token, "version": version, "department": "sme"}
        start, cpu = time.perf_counter(), time.process_time()
        if profile is not None:
            profile.enable()
        response = client.post(f"/triage/items/{item_id}/confirm", data=data)
        if profile is not None:
            profile.disable()
        if response.status_code != 302:
            raise SystemExit(f"分办确认 {item_id}: HTTP {response.status_code}")
        return time.perf_counter() - start, time.process_time() - cpu

    if args.profile == "confirm":
        client = client_for("fenban")
        confirm(client)  # the first one pays for compiling this process's statements
        profile = cProfile.Profile(time.process_time)
        done = sum(confirm(client, profile) is not None for _ in range(args.confirm))
        print(f"{done} 次分办确认")
        pstats.Stats(profile).sort_stats(SORT).print_stats(40)
        return 0
    if args.profile:
        client = client_for(args.username)
        client.get(args.profile)
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.repeat):
            client.get(args.profile)
        profile.disable()
        pstats.Stats(profile).sort_stats(SORT).print_stats(40)
        return 0

    print(
        f"| 页面 | 用户 | 墙钟 p50 ms | 墙钟最大 ms | CPU ms/请求 | PostgreSQL 后端 CPU ms | "
        f"PostgreSQL 全部进程 CPU ms |  （每页 {args.repeat} 次）"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    listed = WORKBENCH_ITEM.findall(client_for("zxqy").get("/workbench/").get_data(as_text=True))
    handled = listed[0] if listed else item
    for username, pattern in pages:
        url = pattern.format(item=item, handled=handled)
        if args.only and not re.search(args.only, url):
            continue
        client = client_for(username)
        first = client.get(url)
        if first.status_code != 200:
            raise SystemExit(f"{url}: HTTP {first.status_code}")
        walls = []
        cpu, db_cpu = time.process_time(), postgres_cpu(backends)
        for _ in range(args.repeat):
            start = time.perf_counter()
            client.get(url)
            walls.append(time.perf_counter() - start)
        cpu_ms = (time.process_time() - cpu) / args.repeat * 1000
        db_ms = [(after - before) / args.repeat * 1000 for before, after in zip(
            db_cpu, postgres_cpu(backends), strict=True)]  # fmt: skip
        walls.sort()
        print(
            f"| {url} | {username} | {walls[len(walls) // 2] * 1000:.0f} | "
            f"{walls[-1] * 1000:.0f} | {cpu_ms:.1f} | {db_ms[0]:.1f} | {db_ms[1]:.1f} |"
        )
    if args.confirm:
        client = client_for("fenban")
        confirm(client)
        timed = [t for t in (confirm(client) for _ in range(args.confirm)) if t is not None]
        if timed:
            walls = sorted(wall for wall, _ in timed)
            cpu_ms = sum(cpu for _, cpu in timed) / len(timed) * 1000
            print(
                f"| POST 分办确认（{len(timed)} 次） | fenban | {walls[len(walls) // 2] * 1000:.0f} | "
                f"{walls[-1] * 1000:.0f} | {cpu_ms:.1f} |"
            )
    print("负载均值 " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
