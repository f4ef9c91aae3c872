"""Load test: the web app under gunicorn, many office users at once (locust, headless).

Starts gunicorn on the given database, creates one login session per simulated user through the
app's own session interface (Flask-Login's login_user in a request context, signed with the
app's key: no password check, so the shared login limiter is not involved), then runs triage
(分办员), 处室 (承办人) and supervisor (督办) users for --run-time seconds:

  ledger list with filters · Chinese search (2 and 6 characters) · item page · triage queue ·
  triage confirm · workbench draft · supervision board · one month's export

and prints p50/p95/p99 per request type, throughput, errors and the gunicorn workers' memory.

    .venv/bin/python benchmarks/load.py --database-url postgresql+psycopg://…/db --users 50
    .venv/bin/python benchmarks/load.py --database-url sqlite:///instance/huiying.db --users 20

The database needs the demo users (`huiying init-db --demo`); fill it with `huiying demo-data`.
"""

from __future__ import annotations

import gevent.monkey

gevent.monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from huiying.commands.serve import WORKER_CONFIG  # noqa: E402 - as `make run` serves

AGENT = "huiying-load/1"
# (username, locust user class, share of the simulated users)
ROLES = (
    ("fenban", "TriageUser", 0.4),
    ("zxqy", "DepartmentUser", 0.4),
    ("duban", "SupervisorUser", 0.2),
)
SEARCH_2 = ["限电", "拖欠", "补贴", "园区", "基站", "专精"]
SEARCH_6 = ["专精特新中小", "清理拖欠中小", "中小企业账款", "化工园区认定", "技术改造项目"]
CHANNELS = ["12345", "留言板", "领导信箱"]
STATUSES = ["已退回", "办理中", "已答复", "待审核"]  # ledger.states.ItemStatus values
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
COOKIES: dict[str, list[str]] = {}
CONFLICTS: dict[str, int] = {}
EXPORT_EVERY = 30.0  # seconds between two month exports (all users together)
LAST_EXPORT = [-EXPORT_EVERY]


def make_cookies(database_url: str, instance: Path, per_user: dict[str, int]) -> None:
    """Session cookies made by the app's own session interface, one per simulated user."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import select

    from ledger.models import User
    from webapp import create_app
    from webapp.auth import GENERATION_KEY, LoginUser
    from webapp.database import get_session

    os.environ["HUIYING_INSTANCE_DIR"] = str(instance)
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": str(instance)})
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    for username, count in per_user.items():
        for _ in range(count):
            env = {"REMOTE_ADDR": "127.0.0.1"}
            with app.test_request_context(environ_base=env, headers={"User-Agent": AGENT}):
                user = get_session().scalars(select(User).where(User.username == username)).one()
                login_user(LoginUser(user))
                session[GENERATION_KEY] = user.session_generation
                generate_csrf()  # the token lives in the session: pages then leave it unchanged
                COOKIES.setdefault(username, []).append(serializer.dumps(dict(session)))
    app.extensions["huiying.engine"].dispose()


class Staff(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    username = ""

    def on_start(self) -> None:
        self.client.headers["User-Agent"] = AGENT
        self.client.cookies.set("session", COOKIES[self.username].pop())

    def ledger_list(self) -> None:
        params: dict[str, str] = {}
        roll = random.random()
        if roll < 0.3:
            params["channel"] = random.choice(CHANNELS)
        elif roll < 0.6:
            params["status"] = random.choice(STATUSES)
        elif roll < 0.8:
            params["overdue"] = "1"
        page = self.client.get("/ledger/", params=params, name="台账列表（筛选）")
        ids = re.findall(r'href="/ledger/items/(\d+)"', page.text)
        if ids:
            self.client.get(f"/ledger/items/{random.choice(ids)}", name="事项页")

    def post(self, url: str, data: dict[str, str], name: str) -> None:
        """A workflow step: 302 when done; 409 when another user changed the item since this
        user's page was loaded (the app's optimistic locking at work), counted, not an error."""
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 409:
                CONFLICTS[name] = CONFLICTS.get(name, 0) + 1
                response.success()
            elif response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")

    def search(self, words: list[str], name: str) -> None:
        self.client.get("/ledger/", params={"q": random.choice(words)}, name=name)


class TriageUser(Staff):
    username = "fenban"

    @task(4)
    def listing(self) -> None:
        self.ledger_list()

    @task(2)
    def search_short(self) -> None:
        self.search(SEARCH_2, "搜索（2 字）")

    @task(2)
    def search_long(self) -> None:
        self.search(SEARCH_6, "搜索（6 字）")

    @task(3)
    def triage(self) -> None:
        page = self.client.get("/triage/", name="分办队列")
        forms = re.findall(
            r'action="/triage/items/(\d+)/confirm" class="row-form">\s*'
            r'<input type="hidden" name="csrf_token" value="([^"]+)">'
            r'<input type="hidden" name="version" value="(\d+)">',
            page.text,
        )
        if forms and random.random() < 0.5:
            item_id, token, version = random.choice(forms)
            data = {"csrf_token": token, "version": version, "department": "sme"}
            self.post(f"/triage/items/{item_id}/confirm", data, "分办确认")


class DepartmentUser(Staff):
    username = "zxqy"

    @task(3)
    def listing(self) -> None:
        self.ledger_list()

    @task(1)
    def search_short(self) -> None:
        self.search(SEARCH_2, "搜索（2 字）")

    @task(3)
    def draft(self) -> None:
        page = self.client.get("/workbench/", name="承办列表")
        ids = re.findall(r'href="/workbench/items/(\d+)"', page.text)
        if not ids:
            return
        item_id = random.choice(ids)
        item = self.client.get(f"/workbench/items/{item_id}", name="承办事项页")
        token = CSRF.search(item.text)
        version = re.search(r'name="version" value="(\d+)"', item.text)
        if token and version and 'name="text"' in item.text:
            data = {
                "csrf_token": token.group(1),
                "version": version.group(1),
                "text": f"您好！来信收悉，我处正在核实办理（{time.time():.0f}）。",
                "action": "save",
            }
            self.post(f"/workbench/items/{item_id}/draft", data, "起草答复")


class SupervisorUser(Staff):
    username = "duban"

    @task(4)
    def board(self) -> None:
        self.client.get("/supervision/", name="督办看板")

    @task(3)
    def listing(self) -> None:
        self.ledger_list()

    @task(1)
    def search_long(self) -> None:
        self.search(SEARCH_6, "搜索（6 字）")

    @task(1)
    def export(self) -> None:
        # A month is 20,000–30,000 rows at 1,000,000 items (about 20 s of one core): heavy and
        # rare in an office, so one export per EXPORT_EVERY seconds across all users.
        now = time.monotonic()
        if now - LAST_EXPORT[0] < EXPORT_EVERY:
            return
        LAST_EXPORT[0] = now
        start = (datetime.now(UTC) - timedelta(days=random.randrange(40, 700))).date()
        first = start.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        params = {"from": first.isoformat(), "to": last.isoformat()}
        with self.client.get(
            "/ledger/export.xlsx", params=params, name="月度导出", stream=True, catch_response=True
        ) as response:
            size = sum(len(chunk) for chunk in response.iter_content(65536))
            if response.status_code != 200 or size < 1000:
                response.failure(f"导出失败：{response.status_code}，{size} 字节")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(
    database_url: str, instance: Path, workers: int, threads: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "HUIYING_DATABASE_URL": database_url,
        "HUIYING_INSTANCE_DIR": str(instance),
    }
    env["PYTHONPATH"] = str(REPO)
    log = (instance / "gunicorn.log").open("ab")  # the workers' errors, to explain any failure
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--config", WORKER_CONFIG,
         "webapp:create_app()"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    host = f"http://127.0.0.1:{port}"
    # The port is open before the workers have loaded the app (tens of seconds on a busy
    # machine): wait for a page, then for the workers to go idle (all of them booted).
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{host}/auth/login", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise SystemExit("gunicorn 未能启动")
    while time.monotonic() < deadline:
        before = worker_cpu(proc.pid)
        time.sleep(1)
        if worker_cpu(proc.pid) - before < 0.05:
            break
    return proc, host


def worker_cpu(master: int) -> float:
    """CPU seconds (user + system) the gunicorn workers have used so far."""
    try:
        return sum(sum(c.cpu_times()[:2]) for c in psutil.Process(master).children())
    except psutil.NoSuchProcess:
        return 0.0


def other_cpu(master: int) -> dict[str, float]:
    """CPU seconds so far of what shares the machine with the workers: their export children
    (ledger.exports.job, counted once waited for), PostgreSQL's processes, this load generator."""
    exports = 0.0
    try:
        for worker in psutil.Process(master).children():
            times = worker.cpu_times()
            exports += times.children_user + times.children_system
    except psutil.NoSuchProcess:
        pass
    postgres = 0.0
    for p in psutil.process_iter(["name"]):
        if (p.info["name"] or "").startswith("postgres"):
            try:
                postgres += sum(p.cpu_times()[:2])
            except psutil.Error:
                pass
    return {
        "导出子进程": exports,
        "PostgreSQL": postgres,
        "压测工具": sum(psutil.Process().cpu_times()[:2]),
    }


def worker_memory(master: int) -> int:
    """Summed resident memory of gunicorn's workers (bytes); max worker reported separately."""
    try:
        return max((c.memory_info().rss for c in psutil.Process(master).children()), default=0)
    except psutil.NoSuchProcess:
        return 0


def think_range(text: str) -> tuple[float, float]:
    """--think MIN,MAX: two numbers of seconds, 0 ≤ MIN ≤ MAX."""
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是 最少,最多 两个秒数，例如 3,10") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"“{text}”：须 0 ≤ 最少 ≤ 最多，例如 3,10")
    return low, high


def main() -> int:
    global EXPORT_EVERY
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", type=int, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--instance-dir", type=Path, help="the app's instance folder (secret key)")
    parser.add_argument(
        "--export-every", type=float, default=EXPORT_EVERY, help="seconds between two exports"
    )
    parser.add_argument(
        "--think",
        type=think_range,
        default="0.5,2",
        help="seconds a user waits between two requests, MIN,MAX (default 0.5,2: a stress pace; "
        "staff reading a page wait longer)",
    )
    args = parser.parse_args()
    EXPORT_EVERY = args.export_every
    Staff.wait_time = between(*args.think)

    instance = args.instance_dir or Path(tempfile.mkdtemp(prefix="huiying-load-"))
    counts = {name: max(1, round(args.users * share)) for name, _, share in ROLES}
    make_cookies(args.database_url, instance, counts)
    proc, host = start_gunicorn(args.database_url, instance, args.workers, args.threads)
    peak = [0]
    cpu = [0.0, 0.0]  # workers' CPU seconds: at the start, and the last sample

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], worker_memory(proc.pid))
            cpu[1] = max(cpu[1], worker_cpu(proc.pid))
            gevent.sleep(1)

    classes = {
        "TriageUser": TriageUser,
        "DepartmentUser": DepartmentUser,
        "SupervisorUser": SupervisorUser,
    }
    users = [classes[cls] for _, cls, _ in ROLES]
    for cls, (_, _, share) in zip(users, ROLES, strict=True):
        cls.weight = max(1, round(share * 10))
    env = Environment(user_classes=users, host=host)
    runner = env.create_local_runner()
    sampler = gevent.spawn(sample)
    started = time.perf_counter()
    cpu[0] = cpu[1] = worker_cpu(proc.pid)
    others = other_cpu(proc.pid)
    try:
        runner.start(sum(counts.values()), spawn_rate=args.spawn_rate)
        gevent.spawn_later(args.run_time, runner.quit)
        runner.greenlet.join()
        elapsed = time.perf_counter() - started
        cpu[1] = max(cpu[1], worker_cpu(proc.pid))
        report(env, args, elapsed, peak[0], cpu[1] - cpu[0])
        after = other_cpu(proc.pid)
        print(
            "同一时间其他 CPU（秒）："
            + "，".join(f"{name} {after[name] - others[name]:.1f}" for name in after)
            + f"；墙钟 {elapsed:.0f} 秒 × {os.cpu_count()} 核可用"
        )
        if env.stats.total.num_failures:
            print(f"工作进程的错误记录：{instance / 'gunicorn.log'}")
    finally:
        sampler.kill()
        proc.terminate()
        try:
            proc.wait(timeout=40)  # graceful: requests in flight (an export) may take a while
        except subprocess.TimeoutExpired:
            proc.kill()
    return 1 if env.stats.total.num_failures else 0


def report(
    env: Environment, args: argparse.Namespace, elapsed: float, peak: int, cpu: float
) -> None:
    stats = env.stats
    print(f"\n{args.users} 个用户（每次请求间隔 {args.think[0]:g}–{args.think[1]:g} 秒），{elapsed:.0f} 秒，gunicorn {args.workers} 个工作进程 × {args.threads} 线程，"
          f"{env.host}（{args.database_url.split('@')[-1]}）")  # fmt: skip
    print("| 请求 | 次数 | 失败 | p50 ms | p95 ms | p99 ms | 最大 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for (name, method), entry in sorted(stats.entries.items()):
        print(
            f"| {method} {name} | {entry.num_requests} | {entry.num_failures} | "
            f"{entry.get_response_time_percentile(0.5):.0f} | "
            f"{entry.get_response_time_percentile(0.95):.0f} | "
            f"{entry.get_response_time_percentile(0.99):.0f} | {entry.max_response_time:.0f} |"
        )
    total = stats.total
    print(
        f"| 合计 | {total.num_requests} | {total.num_failures} | "
        f"{total.get_response_time_percentile(0.5):.0f} | "
        f"{total.get_response_time_percentile(0.95):.0f} | "
        f"{total.get_response_time_percentile(0.99):.0f} | {total.max_response_time:.0f} |"
    )
    print(f"吞吐：{total.num_requests / elapsed:.1f} 请求/秒；错误：{total.num_failures}")
    # The demo queue has a few rows to confirm (gone in the first seconds, while all users
    # arrive at once) and exports come every --export-every seconds: their p95 is a maximum.
    few = [
        f"{name} {e.num_requests} 次"
        for (name, _), e in stats.entries.items()
        if e.num_requests < 20
    ]
    if few:
        print(f"  样本少于 20 次（p95 即近乎最大值）：{'、'.join(few)}")
    for error in stats.errors.values():
        print(f"  错误 {error.method} {error.name}：{error.error}（{error.occurrences} 次）")
    for name, n in CONFLICTS.items():
        print(f"  {name}：{n} 次版本冲突（HTTP 409，他人先改了同一事项；应用正确拒绝，不计为错误）")
    print(f"gunicorn 工作进程内存峰值（单个进程 RSS）：{peak / 2**20:.0f} MiB")
    # the machine may be shared: CPU per request does not depend on what else runs
    per_request = cpu / max(total.num_requests, 1) * 1000
    print(f"gunicorn 工作进程 CPU：{cpu:.1f} 秒，每个请求 {per_request:.1f} ms；"
          f"负载均值 {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
