"""Login, logout and the current user (Flask-Login); login attempts are rate-limited."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ledger.accounts import verify_password
from ledger.models import User
from webapp.database import get_session

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


class LoginUser:
    """Adapts a ledger User to Flask-Login without putting Flask into the ledger's model."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return str(self.user.id)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(message="请输入用户名")])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码")])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)

    @login_manager.user_loader
    def _load(user_id: str) -> LoginUser | None:
        user = get_session().get(User, int(user_id))
        return LoginUser(user) if user is not None and user.active else None


def current_staff() -> User:
    """The logged-in ledger User (call only inside @login_required views)."""
    return current_user.user  # type: ignore[no-any-return]


def _safe_next(target: str | None) -> str:
    if (
        target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("index")  # each role lands on its own work page


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _login_limit(), methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if form.validate_on_submit():
        user = get_session().scalar(select(User).where(User.username == form.username.data))
        if (
            user is not None
            and user.active
            and verify_password(user.password_hash, form.password.data)
        ):
            login_user(LoginUser(user))
            return redirect(_safe_next(request.args.get("next")))
        flash("用户名或密码错误。", "error")
    return render_template("auth/login.html", form=form)


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))
