"""Login, logout and the current user (Flask-Login), with shared login limits (ledger.office.login_guard).

Sessions end server-side: the Flask session is a signed cookie, so a copy of it stays valid
unless the server refuses it. Each user has a session generation (User.session_generation); a
login stores it in the session and every request compares it with the database. Logout, a
password, role or 处室 change and deactivation bump it (ledger.office.accounts.end_sessions), which ends
*all* of that user's sessions at once. That is deliberate: logging out on a shared office
computer must not leave another copy of the session alive, and it needs no per-session table.

Login starts from an empty session (new CSRF token, no session fixation); logout empties it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ledger.models import User
from ledger.office import login_guard
from ledger.office.accounts import authenticate, end_sessions
from ledger.workflow.guards import now_utc
from webapp.database import get_session
from webapp.display import local_time

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
GENERATION_KEY = "_generation"  # the user's session generation when this session logged in


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

    @login_manager.user_loader
    def _load(user_id: str) -> LoginUser | None:
        try:
            # one query for every request's user: roles and 处室 (the menu shows both) joined
            user = get_session().get(
                User,
                int(user_id),
                options=[joinedload(User.role_rows), joinedload(User.department)],
            )
        except ValueError:
            return None
        if user is None or not user.active:
            return None
        if flask_session.get(GENERATION_KEY) != user.session_generation:
            return None  # this session was ended (logout, password/role change, deactivation)
        return LoginUser(user)


def current_staff() -> User:
    """The logged-in ledger User (call only inside @login_required views)."""
    return current_user.user


def keep_this_session() -> None:
    """After ending a user's sessions from within one of them, let this one go on."""
    flask_session[GENERATION_KEY] = current_staff().session_generation


def login_policy() -> login_guard.LoginPolicy:
    c = current_app.config
    return login_guard.LoginPolicy(
        max_failures=int(c["LOGIN_MAX_FAILURES"]),
        window=timedelta(minutes=float(c["LOGIN_FAILURE_WINDOW_MINUTES"])),
        lock_for=timedelta(minutes=float(c["LOGIN_LOCK_MINUTES"])),
        ip_max_failures=int(c["LOGIN_IP_MAX_FAILURES"]),
        ip_window=timedelta(minutes=float(c["LOGIN_IP_WINDOW_MINUTES"])),
    )


def _safe_next(target: str | None) -> str:
    if (
        target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("index")  # each role lands on its own work page


def _beijing(until: datetime, now: datetime) -> str:
    same_day = local_time(until, "%Y-%m-%d") == local_time(now, "%Y-%m-%d")
    return local_time(until, "%H:%M" if same_day else "%Y-%m-%d %H:%M")


def locked_message(until: datetime, now: datetime) -> str:
    return (
        f"该账号因连续多次密码错误已被锁定，请于 {_beijing(until, now)}（北京时间）后再试，"
        "或联系系统管理员解锁。"
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    db, policy, now = get_session(), login_policy(), now_utc()
    username, ip = form.username.data or "", request.remote_addr or "unknown"
    refusal = login_guard.check(db, policy, username, ip, now)
    if refusal is not None:
        if refusal.reason == "account":
            flash(locked_message(refusal.until, now), "error")
        else:
            flash(
                f"本机登录失败次数过多，请于 {_beijing(refusal.until, now)}（北京时间）后再试；"
                "忘记密码请联系系统管理员重置。",
                "error",
            )
        return render_template("auth/login.html", form=form), 429
    user = authenticate(db, username, form.password.data or "")
    if user is None:
        locked_until = login_guard.record_failure(db, policy, username, ip, now)
        db.commit()
        if locked_until is not None:
            flash(locked_message(locked_until, now), "error")
            return render_template("auth/login.html", form=form), 429
        flash("用户名或密码错误。", "error")
        return render_template("auth/login.html", form=form)
    login_guard.record_success(db, username)
    db.commit()
    target = _safe_next(request.args.get("next"))
    flask_session.clear()  # a fresh session: new CSRF token, nothing kept from before login
    login_user(LoginUser(user))
    flask_session[GENERATION_KEY] = user.session_generation
    return redirect(target)


@bp.post("/logout")
@login_required
def logout():
    end_sessions(current_staff())  # copies of this session cookie stop working too
    get_session().commit()
    logout_user()
    flask_session.clear()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))
