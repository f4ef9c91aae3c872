"""Load the administrator-edited catalogues in data/ (处室, demo users) into the database."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.config.keys import UnknownKeyError, check_keys
from ledger.config.schemas import DEPARTMENTS, USERS
from ledger.models import Department, Role, User
from ledger.office.accounts import hash_password


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file and what to fix."""


@dataclass(frozen=True)
class SyncCounts:
    created: int
    updated: int


def read_departments(path: Path) -> list[dict]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(
            f"处室目录 {path} 无法读取：{exc}。请检查文件是否存在、是否为合法 TOML。"
        ) from exc
    try:
        check_keys(data, DEPARTMENTS, str(path))
    except UnknownKeyError as exc:
        raise CatalogueError(str(exc)) from exc
    rows = data.get("department")
    if not isinstance(rows, list) or not rows:
        raise CatalogueError(f"处室目录 {path} 中没有 [[department]] 条目。")
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        for key in ("code", "name"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise CatalogueError(f"处室目录 {path} 第 {n} 个条目缺少 {key}。")
        if row["code"] in seen:
            raise CatalogueError(f"处室目录 {path} 中 code={row['code']} 重复。")
        seen.add(row["code"])
    return rows


def sync_departments(session: Session, path: Path) -> SyncCounts:
    """Upsert departments by code. Departments missing from the file are deactivated, not deleted."""
    rows = read_departments(path)
    existing = {d.code: d for d in session.scalars(select(Department))}
    created = updated = 0
    for row in rows:
        dept = existing.get(row["code"])
        values = {
            "name": row["name"],
            "duties": row.get("duties", ""),
            "terms": list(row.get("terms", [])),
            "confirmed": bool(row.get("confirmed", False)),
            "active": bool(row.get("active", True)),
        }
        if dept is None:
            session.add(Department(code=row["code"], **values))
            created += 1
        elif any(getattr(dept, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(dept, k, v)
            updated += 1
    codes = {row["code"] for row in rows}
    for code, dept in existing.items():
        if code not in codes and dept.active:
            dept.active = False
            updated += 1
    session.flush()
    return SyncCounts(created, updated)


def sync_users(session: Session, path: Path) -> list[tuple[User, str]]:
    """Create the users listed in a users file (demo logins); existing usernames are left alone.

    Returns (user, password) for every listed user, so `make run` can print the demo logins.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        check_keys(data, USERS, str(path))
    except UnknownKeyError as exc:
        raise CatalogueError(str(exc)) from exc
    depts = {d.code: d for d in session.scalars(select(Department))}
    out: list[tuple[User, str]] = []
    for n, row in enumerate(data.get("user", []), start=1):
        try:
            given = row["role"]  # one role, or a list of them (the first is where a login lands)
            roles = [Role(r) for r in (given if isinstance(given, list) else [given])]
            if not roles:
                raise ValueError("no role")
        except (KeyError, ValueError, TypeError) as exc:
            choices = "、".join(r.value for r in Role)
            raise CatalogueError(
                f"用户文件 {path} 第 {n} 个用户的 role 无效；可选：{choices}"
            ) from exc
        dept_code = row.get("department")
        if dept_code and dept_code not in depts:
            raise CatalogueError(
                f"用户文件 {path} 第 {n} 个用户的处室 {dept_code} 不在处室目录中。"
            )
        user = session.scalar(select(User).where(User.username == row["username"]))
        if user is None:
            user = User(
                username=row["username"],
                display_name=row.get("display_name", row["username"]),
                password_hash=hash_password(row["password"]),
                roles=roles,
                department=depts.get(dept_code) if dept_code else None,
                email=row.get("email"),
            )
            session.add(user)
        out.append((user, row["password"]))
    session.flush()
    return out
