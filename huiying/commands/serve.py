"""`huiying serve`: the web app under gunicorn (several workers), or Flask's server with --dev."""

from __future__ import annotations

import os
import subprocess
import sys

import click

# Each worker compiles its templates and freezes its start-up objects before serving (webapp.worker).
WORKER_CONFIG = "python:webapp.worker"


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
        "--config",
        WORKER_CONFIG,
        "webapp:create_app()",
    ]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn 工作进程数")
@click.option("--dev", is_flag=True, help="用 Flask 开发服务器（单进程、自动重载）")
@click.option("--no-jobs", is_flag=True, help="不在后台定时采集、发送催办督办")
def serve(host: str, port: int, workers: int, dev: bool, no_jobs: bool) -> None:
    """启动网页端（http://HOST:PORT），并在后台定时采集与提醒。"""
    click.echo(f"网页端：http://{host}:{port}  （Ctrl+C 停止）")
    if dev:
        from webapp import create_app

        create_app().run(host=host, port=port, debug=True)
        return
    sys.exit(serve_until_stopped(host, port, workers, os.environ.copy(), jobs=not no_jobs))


def serve_until_stopped(
    host: str, port: int, workers: int, env: dict[str, str], *, jobs: bool = True
) -> int:
    """gunicorn in a child process; the background jobs in this one; both stop on Ctrl+C."""
    from huiying.commands.jobs import BackgroundJobs
    from ledger.settings import Settings

    background = None
    if jobs:
        background = BackgroundJobs(Settings.from_env(env), env).start()
        click.echo(
            f"后台任务：{background.describe()}（HUIYING_CRAWL_EVERY_MINUTES / HUIYING_REMIND_EVERY_MINUTES / "
            "HUIYING_RETRAIN_CHECK_MINUTES / HUIYING_RETRAIN_EVERY）"
        )
    try:
        code = subprocess.call(gunicorn_command(host, port, workers), env=env)
    except KeyboardInterrupt:
        code = 0
    finally:
        if background is not None:
            background.stop()
    click.echo("网页端已停止。")
    return code
