"""`huiying serve`: the web app under gunicorn (several workers), or Flask's server with --dev."""

from __future__ import annotations

import os
import subprocess
import sys

import click


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
        "webapp:create_app()",
    ]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn 工作进程数")
@click.option("--dev", is_flag=True, help="用 Flask 开发服务器（单进程、自动重载）")
def serve(host: str, port: int, workers: int, dev: bool) -> None:
    """启动网页端（http://HOST:PORT）。"""
    click.echo(f"网页端：http://{host}:{port}  （Ctrl+C 停止）")
    if dev:
        from webapp import create_app

        create_app().run(host=host, port=port, debug=True)
        return
    try:
        code = subprocess.call(gunicorn_command(host, port, workers), env=os.environ.copy())
    except KeyboardInterrupt:
        code = 0
    click.echo("网页端已停止。")
    sys.exit(code)
