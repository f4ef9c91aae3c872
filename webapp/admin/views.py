"""Administration: users and roles, the 处室 catalogue, deadline rules, holiday files, sources,
the routing model (its card, and a rollback to the previous one)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ledger import crawl_log
from ledger.clock.calendar import HolidayFileError
from ledger.clock.deadlines import SHANGHAI
from ledger.config import files as config_files
from ledger.intake.model import model_store, model_updates
from ledger.models import Department, Role, Source, User
from ledger.office import admin, login_guard
from ledger.workflow.guards import WorkflowError, now_utc
from webapp.admin.model_card import card_view, log_line, moment
from webapp.admin.source_files import validate_source
from webapp.auth import current_staff, keep_this_session
from webapp.database import get_session
from webapp.params import int_arg
from webapp.request_types.entry import _settings as settings
from webapp.roles import perform, roles_required
from webapp.services import clock, data_dir, reload_clock

bp = Blueprint("admin", __name__, url_prefix="/admin")
MAX_HOLIDAY_FILE = 64 * 1024


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    session = get_session()
    return render_template(
        "admin/users.html",
        users=session.scalars(select(User).order_by(User.id)).all(),
        locks=login_guard.locked_accounts(session, now_utc()),
        departments=session.scalars(select(Department).order_by(Department.id)).all(),
        roles=[r.value for r in Role],
    )


def _roles_from_form() -> list[str]:
    """The ticked roles; the one chosen as 登录后首页 goes first (a login lands on its page)."""
    roles = request.form.getlist("role")
    home = request.form.get("home", "")
    return sorted(roles, key=lambda r: r != home)


@bp.post("/users")
@roles_required(Role.ADMIN)
def create_user():
    f = request.form
    perform(
        lambda: admin.create_user(
            get_session(),
            current_staff(),
            username=f.get("username", ""),
            display_name=f.get("display_name", ""),
            password=f.get("password", ""),
            roles=_roles_from_form(),
            department_code=f.get("department") or None,
            email=f.get("email"),
            now=now_utc(),
        ),
        "用户已创建。",
    )
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def update_user(user_id: int):
    f = request.form
    done = perform(
        lambda: admin.update_user(
            get_session(),
            current_staff(),
            user_id,
            roles=_roles_from_form(),
            department_code=f.get("department") or None,
            email=f.get("email"),
            active=f.get("active") == "1",
            password=f.get("password") or None,
            now=now_utc(),
        ),
        "用户已更新。",
    )
    if done and user_id == current_staff().id:
        keep_this_session()  # an admin editing themselves ends their other sessions, not this one
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/unlock")
@roles_required(Role.ADMIN)
def unlock_user(user_id: int):
    perform(
        lambda: login_guard.unlock(get_session(), current_staff(), user_id, now_utc()),
        "账号已解锁。",
    )
    return redirect(url_for("admin.users"))


@bp.get("/departments")
@roles_required(Role.ADMIN)
def departments():
    rows = get_session().scalars(select(Department).order_by(Department.id)).all()
    return render_template("admin/departments.html", departments=rows)


@bp.post("/departments/<int:department_id>")
@roles_required(Role.ADMIN)
def update_department(department_id: int):
    f = request.form
    terms = f.get("terms", "").replace("，", ",").replace("、", ",").split(",")
    perform(
        lambda: admin.update_department(
            get_session(),
            current_staff(),
            department_id,
            name=f.get("name", ""),
            duties=f.get("duties", ""),
            terms=terms,
            active=f.get("active") == "1",
            now=now_utc(),
        ),
        "处室已更新。",
    )
    return redirect(url_for("admin.departments"))


def _versions(kind: str) -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "config_versions" / kind


@bp.get("/rules")
@roles_required(Role.ADMIN)
def rules():
    path = data_dir() / config_files.RULES_FILE
    shown = request.args.get("version", "")
    text = config_files.read_version(_versions("rules"), shown) if shown else None
    return render_template(
        "admin/rules.html",
        rules=list(clock().rules),
        path=path,
        text=text if text is not None else path.read_text(encoding="utf-8"),
        shown=shown if text is not None else "",
        versions=config_files.versions_of(_versions("rules")),
    )


@bp.post("/rules")
@roles_required(Role.ADMIN)
def save_rules():
    text = request.form.get("text", "").replace("\r\n", "\n")
    if perform(
        lambda: config_files.save_rules(
            get_session(), current_staff(), data_dir(), _versions("rules"), text, now_utc()
        ),
        "时限规则已校验并保存，立即生效（新计算的办理时限使用新规则；原版本已保留）。",
    ):
        reload_clock()
        return redirect(url_for("admin.rules"))
    return render_template(
        "admin/rules.html",
        rules=list(clock().rules),
        path=data_dir() / config_files.RULES_FILE,
        text=text,
        shown="",
        versions=config_files.versions_of(_versions("rules")),
    )  # the typed text stays in the editor beside the error


def _holidays_dir() -> Path:
    return data_dir() / "holidays"


@bp.get("/holidays")
@roles_required(Role.ADMIN)
def holidays():
    this_year = now_utc().astimezone(SHANGHAI).year  # the year in Beijing, not the server's
    cal = clock().calendar
    years = [
        (y, cal.coverage(y), cal.fallback_warning(y)) for y in range(this_year - 1, this_year + 3)
    ]
    files = (
        sorted(p.name for p in _holidays_dir().glob("*.toml")) if _holidays_dir().is_dir() else []
    )
    return render_template(
        "admin/holidays.html",
        years=years,
        files=files,
        next_year=this_year + 1,
        versions=config_files.versions_of(_versions("holidays")),
    )


@bp.get("/holidays/<int:year>")
@roles_required(Role.ADMIN)
def holiday_file(year: int):
    path = _holidays_dir() / f"{year}.toml"
    if not path.is_file():
        flash(f"没有 {year} 年的节假日文件。", "error")
        return redirect(url_for("admin.holidays"))
    return render_template(
        "admin/holiday_file.html", year=year, text=path.read_text(encoding="utf-8")
    )


@bp.post("/holidays/<int:year>/delete")
@roles_required(Role.ADMIN)
def delete_holiday_file(year: int):
    if perform(
        lambda: config_files.delete_holiday_file(
            get_session(), current_staff(), _holidays_dir(), _versions("holidays"), year, now_utc()
        ),
        f"{year} 年节假日文件已删除（原文件已保留为版本）；该年改按周一至周五计算并提示。",
    ):
        reload_clock()
    return redirect(url_for("admin.holidays"))


@bp.post("/holidays")
@roles_required(Role.ADMIN)
def upload_holidays():
    year = int_arg("year", 0, label="年份", maximum=9999, form=True) or 0
    upload = request.files.get("file")
    raw = (
        upload.read(MAX_HOLIDAY_FILE + 1)
        if upload and upload.filename
        else request.form.get("text", "").encode()
    )
    if len(raw) > MAX_HOLIDAY_FILE:
        flash("文件过大（上限 64 KB）。", "error")
        return redirect(url_for("admin.holidays"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash("文件须为 UTF-8 编码。", "error")
        return redirect(url_for("admin.holidays"))

    def step() -> None:
        try:
            parsed = admin.save_holiday_file(
                get_session(), current_staff(), _holidays_dir(), year, text, now_utc()
            )
        except HolidayFileError as exc:
            raise WorkflowError(str(exc)) from exc
        flash(
            f"{year} 年：{len(parsed.holidays)} 个假日、{len(parsed.workdays)} 个调休上班日。",
            "info",
        )

    if perform(step, f"{year} 年节假日文件已保存并生效（新计算的办理时限将使用它）。"):
        reload_clock()
    return redirect(url_for("admin.holidays"))


@bp.get("/sources")
@roles_required(Role.ADMIN)
def sources():
    session = get_session()
    rows = session.scalars(select(Source).order_by(Source.id)).all()
    configs = (
        sorted(p.name for p in (data_dir() / "sources").glob("*.toml"))
        if (data_dir() / "sources").is_dir()
        else []
    )
    runs = crawl_log.latest_runs(session)
    return render_template(
        "admin/sources.html",
        sources=rows,
        configs=configs,
        runs=runs,
        advice={sid: crawl_log.advice(run) for sid, run in runs.items()},
        never=[c for c in configs if c.removesuffix(".toml") not in {s.slug for s in rows}],
    )


@bp.post("/sources/<int:source_id>")
@roles_required(Role.ADMIN)
def toggle_source(source_id: int):
    active = request.form.get("active") == "1"
    perform(
        lambda: admin.set_source_active(
            get_session(), current_staff(), source_id, active, now_utc()
        ),
        "来源已启用。" if active else "来源已停用。",
    )
    return redirect(url_for("admin.sources"))


def _source_path(slug: str) -> Path:
    return data_dir() / "sources" / f"{slug}.toml"


def _source_page(slug: str, text: str, shown: str = "") -> str:
    return render_template(
        "admin/source_edit.html",
        slug=slug,
        text=text,
        shown=shown,
        exists=_source_path(slug).is_file(),
        versions=config_files.versions_of(_versions("sources") / slug),
    )


@bp.get("/sources/new")
@roles_required(Role.ADMIN)
def new_source():
    """A new source file, started from an existing one (its layout is the nearest model)."""
    slug = request.args.get("slug", "").strip()
    if not config_files.SOURCE_SLUG.fullmatch(slug):
        flash("来源代码只能是 2–60 位小写字母、数字或下划线，例如 city_board。", "error")
        return redirect(url_for("admin.sources"))
    if _source_path(slug).is_file():
        flash(f"来源配置 {slug}.toml 已存在：在这里修改。", "info")
        return redirect(url_for("admin.edit_source", slug=slug))
    example = request.args.get("example", "")
    examples = sorted((data_dir() / "sources").glob("*.toml"))
    chosen = next((p for p in examples if p.stem == example), examples[0] if examples else None)
    text = config_files.starter_source(chosen.read_text(encoding="utf-8") if chosen else "", slug)
    return _source_page(slug, text)


@bp.get("/sources/<slug>/edit")
@roles_required(Role.ADMIN)
def edit_source(slug: str):
    path = _source_path(slug)
    if not config_files.SOURCE_SLUG.fullmatch(slug) or not path.is_file():
        flash(f"没有来源配置 {slug}.toml。", "error")
        return redirect(url_for("admin.sources"))
    shown = request.args.get("version", "")
    text = config_files.read_version(_versions("sources") / slug, shown) if shown else None
    return _source_page(
        slug,
        text if text is not None else path.read_text(encoding="utf-8"),
        shown if text is not None else "",
    )


@bp.post("/sources/<slug>/edit")
@roles_required(Role.ADMIN)
def save_source(slug: str):
    text = request.form.get("text", "").replace("\r\n", "\n")
    if perform(
        lambda: config_files.save_source(
            get_session(),
            current_staff(),
            data_dir() / "sources",
            _versions("sources"),
            slug,
            text,
            now_utc(),
            validate_source,
        ),
        f"来源配置 {slug}.toml 已按采集器的同一校验通过并保存，下次采集起生效（无需重启；原版本已保留）。",
    ):
        return redirect(url_for("admin.edit_source", slug=slug))
    return _source_page(slug, text)  # the typed text stays in the editor beside the error


@bp.get("/model")
@roles_required(Role.ADMIN)
def model():
    seen = model_store.overview(settings())
    return render_template(
        "admin/model.html",
        current=card_view(seen.current),
        previous=card_view(seen.previous),
        kept=seen.kept,
        log=[log_line(e) for e in reversed(seen.log)],
        nothing_to_roll_back=model_store.NOTHING_TO_ROLL_BACK,
    )


@bp.post("/model/rollback")
@roles_required(Role.ADMIN)
def rollback_model():
    if request.form.get("confirm") != "1":
        flash("请先勾选“我确认回滚”，再回滚分办模型。", "error")
        return redirect(url_for("admin.model"))

    restored: list[model_store.ModelCard] = []
    # intake reads the model file for every batch: every worker routes with it from the next item
    if perform(
        lambda: restored.append(
            model_updates.rollback_by_admin(get_session(), current_staff(), settings(), now_utc())
        ),
        "已回滚到上一版本的分办模型：此后登记和采集的事项按它分办。",
    ):
        card = restored[0]
        flash(
            f"现在使用训练于 {moment(card.created_at)} 的模型（{card.n_examples} 条样本）。", "info"
        )
    return redirect(url_for("admin.model"))
