"""`huiying run` (what `make run` does): database, demo logins, demo portal, crawl, model, web app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import click

from huiying.commands.serve import serve_until_stopped
from ledger.db import make_engine, make_session_factory
from ledger.office.catalogue import sync_departments, sync_users
from ledger.schema import upgrade
from ledger.settings import Settings

PORTAL_PORT = 8765


def _free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


def _step(n: int, total: int, text: str) -> None:
    click.secho(f"[{n}/{total}] {text}", fg="cyan", bold=True)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--no-crawl", is_flag=True, help="不启动演示门户、不采集，只启动网页端")
def run(host: str, port: int, workers: int, no_crawl: bool) -> None:
    """建库、载入演示账号、启动演示门户并采集、准备分办模型，然后启动网页端。"""
    settings = Settings.from_env()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ.copy()
    total = 6

    _step(1, total, f"数据库：{settings.database_url}")
    engine = make_engine(settings.database_url)
    revision = upgrade(engine)
    with make_session_factory(engine).begin() as session:
        sync_departments(session, settings.data_dir / "departments.toml")
        logins = [
            (u.username, pw, u.role_names)
            for u, pw in sync_users(session, settings.data_dir / "demo_users.toml")
        ]
    engine.dispose()
    click.echo(f"      迁移版本 {revision}，处室目录已载入")

    _step(2, total, "分办模型")
    subprocess.run([sys.executable, "-m", "huiying", "train", "--if-missing"], env=env, check=False)

    portal = None
    if not no_crawl:
        from demoportal.server import start_in_thread

        portal_port = _free_port(PORTAL_PORT)
        _step(3, total, f"演示门户：http://127.0.0.1:{portal_port}")
        portal = start_in_thread("127.0.0.1", portal_port)
        env["HUIYING_DEMO_PORTAL_URL"] = portal.url
        # Approved 12345 replies and 回退 go back to the demo 12345 platform.
        env.setdefault("HUIYING_REPORT_BACK_URL", f"{portal.url}/api/12345")
        env.setdefault("HUIYING_REPORT_BACK_TOKEN", "demo-12345-token")
        _step(4, total, "采集演示门户（留言板、领导信箱、12345 工单）")
        code = subprocess.run([sys.executable, "-m", "huiying", "crawl"], env=env).returncode
        if code != 0:
            click.secho(
                "采集未全部成功：详见上面的日志；网页端仍会启动，已采集的事项可用。", fg="yellow"
            )
        # The portal's year arrives with no office history: play it through the workflow, so the
        # demo shows a working office (answered, late, 回退, a live queue, a few 黄牌/红牌).
        _step(5, total, "演示历史：按办理流程补上分办、答复与审核")
        subprocess.run([sys.executable, "-m", "huiying", "demo-history"], env=env, check=False)
    else:
        _step(3, total, "跳过演示门户与采集（--no-crawl）")

    _step(6, total, f"网页端：http://{host}:{port}")
    click.echo("演示账号（用户名 / 密码 / 角色）：")
    for username, password, role in logins:
        click.echo(f"      {username:<10} {password:<16} {role}")
    click.echo("按 Ctrl+C 停止。")
    try:
        serve_until_stopped(host, port, workers, env, jobs=not no_crawl)
    finally:
        if portal is not None:
            portal.stop()
