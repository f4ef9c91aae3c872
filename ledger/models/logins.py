"""Failed logins and account locks: the shared store behind the login limits (ledger.office.login_guard).

Kept in the database so every gunicorn worker (and every server) counts the same failures.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base


class LoginFailure(Base):
    """One wrong login, by the username as typed (known or not) and the client address."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


class AccountLock(Base):
    """A username locked until `locked_until`; the row stays after expiry as the count's reset point."""

    __tablename__ = "account_lock"

    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    locked_at: Mapped[datetime]
    locked_until: Mapped[datetime]
