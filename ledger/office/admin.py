"""Administration: user accounts, the 处室 catalogue, sources and holiday files for a new year.

The holiday file is validated with ledger.clock.calendar's own parser before it is written, so a file
that would break deadline computation never lands in data/holidays/.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.calendar import HolidayFileError, HolidayYear, parse_holiday_year
from ledger.models import Department, Role, Source, User
from ledger.office.accounts import end_sessions, hash_password
from ledger.workflow.guards import WorkflowError, require_role

ADMIN = (Role.ADMIN,)


def _department(session: Session, code: str | None) -> Department | None:
    if not code:
        return None
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise WorkflowError(f"处室「{code}」不在处室目录中。")
    return dept


def _roles(values: Iterable[str], dept: Department | None) -> list[Role]:
    """The roles asked for, in the order given (the first is where a login lands); any 处室 role
    (承办人, 审核人) needs a 处室, whatever other roles the user holds."""
    try:
        roles = list(dict.fromkeys(Role(v) for v in values if v))
    except ValueError as exc:
        raise WorkflowError(f"角色无效；可选：{'、'.join(r.value for r in Role)}。") from exc
    if not roles:
        raise WorkflowError("至少选择一个角色。")
    local = [r for r in roles if not r.sees_all_departments]
    if local and dept is None:
        raise WorkflowError(f"{'、'.join(r.value for r in local)}必须属于一个处室。")
    return roles


def create_user(
    session: Session,
    admin: User,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[str],
    department_code: str | None,
    email: str | None,
    now: datetime,
) -> User:
    require_role(admin, ADMIN, "管理用户")
    username = username.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]{2,60}", username):
        raise WorkflowError("用户名为 2–60 位字母、数字、下划线、点或连字符。")
    if session.scalar(select(User).where(User.username == username)):
        raise WorkflowError(f"用户名「{username}」已存在。")
    dept = _department(session, department_code)
    held = _roles(roles, dept)
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise WorkflowError(str(exc)) from exc
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hashed,
        roles=held,
        department=dept,
        email=(email or "").strip() or None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    record_event(
        session, None, admin, "新建用户", after={"用户": username, "角色": "、".join(held)}, at=now
    )
    return user


def update_user(
    session: Session,
    admin: User,
    user_id: int,
    *,
    roles: Iterable[str],
    department_code: str | None,
    email: str | None,
    active: bool,
    password: str | None,
    now: datetime,
) -> User:
    require_role(admin, ADMIN, "管理用户")
    user = session.get(User, user_id)
    if user is None:
        raise WorkflowError("用户不存在。")
    dept = _department(session, department_code)
    held = _roles(roles, dept)
    if user.id == admin.id and (not active or Role.ADMIN not in held):
        raise WorkflowError("不能停用自己或取消自己的管理员角色。")
    before = {
        "角色": user.role_names,
        "处室": user.department.code if user.department else None,
        "启用": user.active,
    }
    # A new password, any change of roles (or of their order: the landing page) or 处室, or
    # deactivation, ends the user's open sessions.
    ends_sessions = bool(password) or (held, dept, active) != (
        user.roles,
        user.department,
        user.active,
    )
    user.roles, user.department, user.active = held, dept, active
    user.email = (email or "").strip() or None
    if password:
        try:
            user.password_hash = hash_password(password)
        except ValueError as exc:
            raise WorkflowError(str(exc)) from exc
    if ends_sessions:
        end_sessions(user)
    after = {
        "角色": "、".join(held),
        "处室": dept.code if dept else None,
        "启用": active,
        "重置密码": bool(password),
    }
    record_event(
        session,
        None,
        admin,
        "修改用户",
        before={"用户": user.username, **before},
        after=after,
        at=now,
    )
    session.flush()
    return user


def update_department(
    session: Session,
    admin: User,
    department_id: int,
    *,
    name: str,
    duties: str,
    terms: list[str],
    active: bool,
    now: datetime,
) -> Department:
    """Edit one 处室 in the database. (data/departments.toml stays the source for init-db.)"""
    require_role(admin, ADMIN, "维护处室目录")
    dept = session.get(Department, department_id)
    if dept is None:
        raise WorkflowError("处室不存在。")
    if not name.strip():
        raise WorkflowError("处室名称不能为空。")
    clash = session.scalar(
        select(Department).where(Department.name == name.strip(), Department.id != dept.id)
    )
    if clash:
        raise WorkflowError(f"处室名称「{name}」已被 {clash.code} 使用。")
    before = {"名称": dept.name, "启用": dept.active, "关键词": dept.terms}
    dept.name, dept.duties, dept.active = name.strip(), duties.strip(), active
    dept.terms = [t.strip() for t in terms if t.strip()]
    record_event(
        session,
        None,
        admin,
        "修改处室",
        before={"处室": dept.code, **before},
        after={"名称": dept.name, "启用": active, "关键词": dept.terms},
        at=now,
    )
    session.flush()
    return dept


def set_source_active(
    session: Session, admin: User, source_id: int, active: bool, now: datetime
) -> Source:
    require_role(admin, ADMIN, "管理来源")
    source = session.get(Source, source_id)
    if source is None:
        raise WorkflowError("来源不存在。")
    if source.active != active:
        record_event(
            session,
            None,
            admin,
            "启用来源" if active else "停用来源",
            after={"来源": source.slug},
            at=now,
        )
        source.active = active
    session.flush()
    return source


def validate_holiday_file(year: int, text: str) -> HolidayYear:
    """Parse an uploaded <year>.toml exactly as the calendar will; HolidayFileError if wrong."""
    if not 2000 <= year <= 2100:
        raise HolidayFileError("年份应为四位数字，例如 2027。")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HolidayFileError(
            f"上传的文件不是合法的 TOML：{exc}（格式见 data/holidays/README.md）"
        ) from exc
    return parse_holiday_year(data, year=year, source=f"{year}.toml（上传）", text=text)


def save_holiday_file(
    session: Session, admin: User, holidays_dir: Path, year: int, text: str, now: datetime
) -> HolidayYear:
    require_role(admin, ADMIN, "上传节假日文件")
    parsed = validate_holiday_file(year, text)
    holidays_dir.mkdir(parents=True, exist_ok=True)
    target = holidays_dir / f"{year}.toml"
    replaced = target.exists()
    tmp = target.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    record_event(
        session,
        None,
        admin,
        "上传节假日文件",
        after={
            "年份": year,
            "假日天数": len(parsed.holidays),
            "调休上班": len(parsed.workdays),
            "替换": replaced,
        },
        at=now,
    )
    return parsed
