"""One user, one page at a time: wall and CPU milliseconds per request for the pages the load test
uses, through the real Flask app (test client, no HTTP server) on an existing database.

CPU time is what a page costs whatever else runs on the machine; wall time on a shared machine
is mostly waiting for a core. `--profile URL` prints a CPU-time profile of that page instead.

    .venv/bin/python benchmarks/pages.py --database-url sqlite:///instance/huiying.db [--repeat 20]
    .venv/bin/python benchmarks/pages.py --database-url … --profile /triage/ [--as fenban]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
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
    ("fenban", "/ledger/items/{item}"),
    ("fenban", "/triage/items/{item}"),
    ("zxqy", "/workbench/"),
    ("duban", "/supervision/"),
]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", metavar="URL")
    parser.add_argument("--as", dest="username", default="fenban")
    args = parser.parse_args()

    from flask.testing import FlaskClient
    from sqlalchemy import func, select

    from ledger.models import Item, User
    from webapp import create_app
    from webapp.auth import GENERATION_KEY, LoginUser
    from webapp.database import get_session

    instance = os.environ.get("HUIYING_INSTANCE_DIR") or tempfile.mkdtemp(prefix="huiying-pages-")
    app = create_app({"DATABASE_URL": args.database_url, "INSTANCE_DIR": instance})

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

    if args.profile:
        client = client_for(args.username)
        client.get(args.profile)
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.repeat):
            client.get(args.profile)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        return 0

    print(f"| 页面 | 用户 | 墙钟 p50 ms | 墙钟最大 ms | CPU ms/请求 |  （每页 {args.repeat} 次）")
    print("|---|---|---:|---:|---:|")
    for username, pattern in PAGES:
        url = pattern.format(item=item)
        client = client_for(username)
        first = client.get(url)
        if first.status_code != 200:
            raise SystemExit(f"{url}: HTTP {first.status_code}")
        walls = []
        cpu = time.process_time()
        for _ in range(args.repeat):
            start = time.perf_counter()
            client.get(url)
            walls.append(time.perf_counter() - start)
        cpu_ms = (time.process_time() - cpu) / args.repeat * 1000
        walls.sort()
        print(
            f"| {url} | {username} | {walls[len(walls) // 2] * 1000:.0f} | "
            f"{walls[-1] * 1000:.0f} | {cpu_ms:.1f} |"
        )
    print("负载均值 " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
