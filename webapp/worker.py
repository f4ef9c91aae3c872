"""gunicorn settings (`gunicorn --config python:webapp.worker`): each worker readies itself before
its first request.

A fresh worker's first 分办队列 cost 350–390 ms CPU, the next one 10–20 ms (the `make run`
database): Jinja compiling the page's templates, and Python's first full garbage collection
walking the ~250,000 objects the imports left (~200 ms; it then recurs now and then, on whichever
request allocates enough). Right after a start every user's first requests meet those costs at
once and queue behind them. Templates are compiled here instead, and the start-up objects frozen
out of the collector's way.
"""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from sqlalchemy.orm import configure_mappers

# gthread workers close an idle keep-alive connection after `keepalive` seconds (gunicorn: 2).
# A client that sends its next request on the connection just as it closes gets "connection
# reset": with 50 users pausing 0.5–2 s between clicks that happened a few times a minute.
# Browsers and proxies keep connections longer (nginx: 75 s); idle ones cost no thread here.
keepalive = 30


def warm_up(app: Flask) -> list[str]:
    """Compile every template and configure the mappers now; returns the template names."""
    names = app.jinja_env.list_templates()
    for name in names:
        app.jinja_env.get_template(name)  # kept in the environment's cache, used by render
    configure_mappers()
    return names


def post_worker_init(worker: Any) -> None:
    """gunicorn hook: the app is loaded, no request accepted yet."""
    names = warm_up(worker.wsgi)
    # What the app has loaded lives as long as the worker: frozen, later collections skip it.
    gc.collect()
    gc.freeze()
    worker.log.info(
        "工作进程已预热：%d 个模板已编译，%d 个启动对象已冻结", len(names), gc.get_freeze_count()
    )
