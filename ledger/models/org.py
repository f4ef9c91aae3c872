"""Organisation: 处室 (departments) and users, each holding one or more roles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    """Roles as staff name them; the value is what is stored."""

    TRIAGE = "分办员"
    HANDLER = "处室承办人"
    REVIEWER = "审核人"
    SUPERVISOR = "督办"
    ANALYST = "分析员"
    ADMIN = "管理员"

    @property
    def sees_all_departments(self) -> bool:
        return self in (Role.TRIAGE, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    duties: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    confirmed: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    users: Mapped[list[User]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.code} {self.name}>"


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    email: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped whenever the user's sessions must end (ledger.office.accounts.end_sessions); a login
    # session carries the number it started with and is refused once they differ.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    department: Mapped[Department | None] = relationship(back_populates="users")
    # in the order the administrator gave them: the first decides the page a login lands on
    role_rows: Mapped[list[UserRole]] = relationship(
        order_by="UserRole.position",
        cascade="all, delete-orphan",
        lazy="selectin",
        back_populates="user",
    )

    @property
    def roles(self) -> list[Role]:
        return [Role(r.role) for r in self.role_rows]

    @roles.setter
    def roles(self, roles: Iterable[Role | str]) -> None:
        wanted = list(dict.fromkeys(Role(r) for r in roles))
        kept = {r.role: r for r in self.role_rows}
        self.role_rows = [
            kept.get(r.value) or UserRole(role=r.value, position=i) for i, r in enumerate(wanted)
        ]
        for i, row in enumerate(self.role_rows):
            row.position = i

    @property
    def role(self) -> str:
        """The first role's name (what a page shows as the user's title); checks use has_role."""
        return self.role_rows[0].role if self.role_rows else ""

    @role.setter
    def role(self, value: Role | str) -> None:  # User(role=...) for a user with one role
        self.roles = [value]

    def has_role(self, *roles: Role) -> bool:
        return any(r in roles for r in self.roles)

    @property
    def role_names(self) -> str:
        return "、".join(r.value for r in self.roles)

    @property
    def sees_all_departments(self) -> bool:
        """Any 办公室 role sees every 处室's items; 处室 roles alone see their own 处室's."""
        return any(r.sees_all_departments for r in self.roles)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role_names}>"


class UserRole(Base):
    """One role a user holds."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)  # a Role value
    position: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship(back_populates="role_rows")
