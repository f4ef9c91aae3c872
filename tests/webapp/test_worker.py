"""gunicorn workers ready themselves before their first request (webapp.worker): templates
compiled, the objects the app loaded frozen out of the garbage collector's way."""

from __future__ import annotations

import gc
import logging
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

from flask import Flask

from huiying.commands.serve import gunicorn_command
from webapp.worker import post_worker_init, warm_up


def test_warm_up_compiles_every_template(app: Flask) -> None:
    names = warm_up(app)
    assert {"triage/queue.html", "ledger/item.html", "base.html"} <= set(names)
    compiled = {name for _loader, name in app.jinja_env.cache.keys()}  # type: ignore[union-attr]
    assert set(names) <= compiled


def test_the_worker_hook_freezes_what_the_app_loaded(app: Flask) -> None:
    worker = SimpleNamespace(wsgi=app, log=logging.getLogger("test-worker"))
    frozen = gc.get_freeze_count()
    try:
        post_worker_init(worker)
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_served_workers_run_the_hook(database_url: str, tmp_path: Path) -> None:
    """`huiying serve` (and `make run`) start gunicorn with the hook: the worker says so."""
    port = _free_port()
    env = {
        **os.environ,
        "HUIYING_DATABASE_URL": database_url,
        "HUIYING_INSTANCE_DIR": str(tmp_path),
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            gunicorn_command("127.0.0.1", port, 1), env=env, stdout=subprocess.DEVNULL, stderr=err
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login") as page:
                        assert page.status == 200
                        break
                except OSError:
                    time.sleep(0.3)
            else:
                raise AssertionError(log.read_text())
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert "工作进程已预热" in log.read_text()
