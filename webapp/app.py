"""Application factory (flaskr style): configuration, extensions, blueprints."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from ledger.models import Role
from ledger.settings import Settings
from webapp import auth, database, display, errors, output_masking, params, security, services
from webapp.desk import notices as notice_views

csrf = CSRFProtect()


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    params.init_app(app)  # the bounded `int` converter must be in place before any route
    errors.init_app(app)
    settings = Settings.from_env()
    app.config.from_mapping(
        SECRET_KEY=None,
        DATABASE_URL=settings.database_url,
        DATA_DIR=str(settings.data_dir),
        INSTANCE_DIR=str(settings.instance_dir),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        PAGE_SIZE=50,
        # login limits (ledger.office.login_guard), shared by all workers through the database
        LOGIN_MAX_FAILURES=5,
        LOGIN_FAILURE_WINDOW_MINUTES=15,
        LOGIN_LOCK_MINUTES=15,
        LOGIN_IP_MAX_FAILURES=20,
        LOGIN_IP_WINDOW_MINUTES=10,
        # how many reverse proxies in front set X-Forwarded-For; 0 = use the socket's address
        PROXY_FIX_X_FOR=0,
    )
    app.config.from_prefixed_env("HUIYING")
    if test_config is not None:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(settings)
    if int(app.config["PROXY_FIX_X_FOR"]) > 0:
        # Only when configured: otherwise anyone could pick their own address for the login limit.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_FIX_X_FOR"]))  # type: ignore[method-assign]

    csrf.init_app(app)
    database.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    display.init_app(app)
    output_masking.init_app(app)  # after csrf: it replaces the csrf_token global
    services.init_app(app)
    notice_views.init_app(app)

    from webapp import analysis_views
    from webapp.admin import views as admin_views
    from webapp.desk import ledger as ledger_views
    from webapp.desk import review as review_views
    from webapp.desk import supervision as supervision_views
    from webapp.desk import triage as triage_views
    from webapp.desk import workbench as workbench_views
    from webapp.request_types import entry as entry_views
    from webapp.request_types import events as event_views
    from webapp.request_types import foi as foi_views
    from webapp.request_types import proposals as proposal_views

    app.register_blueprint(auth.bp)
    app.register_blueprint(ledger_views.bp)
    app.register_blueprint(triage_views.bp)
    app.register_blueprint(workbench_views.bp)
    app.register_blueprint(review_views.bp)
    app.register_blueprint(supervision_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(notice_views.bp)
    app.register_blueprint(analysis_views.bp)
    app.register_blueprint(entry_views.bp)
    foi_views.init_app(app)  # 依申请公开 actions, notices, annual statistics
    proposal_views.init_app(app)  # 建议提案: its blueprint and the item page / board panels
    app.register_blueprint(event_views.bp)

    @app.get("/")
    @login_required
    def index():
        """A login lands on the work page of its first role (the order the admin gave them)."""
        home = {
            Role.TRIAGE: "triage.queue",
            Role.HANDLER: "workbench.index",
            Role.REVIEWER: "review.queue",
            Role.SUPERVISOR: "supervision.board",
            Role.ANALYST: "analysis.month",
        }
        for role in current_user.user.roles:
            if role in home:
                return redirect(url_for(home[role]))
        return redirect(url_for("ledger.index"))

    return app


def _instance_secret(settings: Settings) -> str:
    """A random secret kept in the instance folder, so sessions survive restarts.

    gunicorn workers start at the same moment: exactly one creates the file (O_EXCL, mode 0600
    from the start), the others read what it wrote, so all workers share one key.
    """
    path = settings.instance_dir / "secret_key"
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32))
    for _ in range(50):  # the creating worker may not have written yet
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
        time.sleep(0.05)
    raise RuntimeError(f"{path} 为空：请删除该文件后重启。")
