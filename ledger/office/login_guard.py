"""Login limits shared by every web worker: per-address throttling and per-account lockout.

Failures are rows in the database (ledger.models.logins), so two gunicorn workers — or two servers
on one PostgreSQL — count the same attempts; no extra service is needed for `make run`.

- Per address: more than `ip_max_failures` wrong logins within `ip_window` refuse further tries
  from that address until the oldest of them leaves the window.
- Per account: `max_failures` wrong passwords for one username within `window` lock it for
  `lock_for`; an administrator can unlock it earlier. The username is counted as typed, known or
  not, so "locked" does not reveal which usernames exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.models import AccountLock, LoginFailure, Role, User
from ledger.workflow.guards import WorkflowError, require_role

USERNAME_LEN = 60  # LoginFailure.username / AccountLock.username
IP_LEN = 45  # the longest textual IPv6 address


@dataclass(frozen=True)
class LoginPolicy:
    """The limits; the web app fills them from configuration (HUIYING_LOGIN_*)."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)
    ip_max_failures: int = 20
    ip_window: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class Refusal:
    """Why a login is not even tried, and until when (UTC)."""

    reason: str  # "account" (locked) or "address" (too many failures from this address)
    until: datetime


def _key(username: str) -> str:
    return username[:USERNAME_LEN]


def _lock(session: Session, username: str) -> AccountLock | None:
    return session.get(AccountLock, _key(username))


def check(
    session: Session, policy: LoginPolicy, username: str, ip: str, now: datetime
) -> Refusal | None:
    """A Refusal if this address or this account may not try now, else None."""
    count, oldest = session.execute(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.ip == ip[:IP_LEN], LoginFailure.at > now - policy.ip_window
        )
    ).one()
    if oldest is not None and count >= policy.ip_max_failures:
        return Refusal("address", oldest + policy.ip_window)
    lock = _lock(session, username)
    if lock is not None and lock.locked_until > now:
        return Refusal("account", lock.locked_until)
    return None


def record_failure(
    session: Session, policy: LoginPolicy, username: str, ip: str, now: datetime
) -> datetime | None:
    """Count one wrong login; returns the lock's end if this failure locked the account."""
    key = _key(username)
    session.add(LoginFailure(username=key, ip=ip[:IP_LEN], at=now))
    _purge(session, policy, now)
    lock = _lock(session, key)
    since = now - policy.window
    if lock is not None and lock.locked_at > since:
        since = lock.locked_at  # failures before the last lock were already punished
    counted = select(func.count()).where(LoginFailure.username == key, LoginFailure.at > since)
    failures = session.scalar(counted) or 0
    if failures < policy.max_failures:
        return None
    until = now + policy.lock_for
    if lock is not None:
        lock.locked_at, lock.locked_until = now, until
    else:
        try:
            with session.begin_nested():
                session.add(AccountLock(username=key, locked_at=now, locked_until=until))
        except IntegrityError:
            return None  # another worker locked it at the same moment (and audited it)
    user = session.scalar(select(User).where(User.username == key))
    if user is not None:  # typed names that are no account stay out of the audit log
        record_event(
            session,
            None,
            "系统",
            "账号锁定",
            after={
                "用户": user.username,
                "连续失败": failures,
                "锁定至（北京时间）": until.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            },
            at=now,
        )
    return until


def record_success(session: Session, username: str) -> None:
    """A correct login forgets that account's earlier failures."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == _key(username)))


def _purge(session: Session, policy: LoginPolicy, now: datetime) -> None:
    """Drop rows that no longer count for anything, so the tables stay small."""
    keep = max(policy.window, policy.ip_window)
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - keep))
    session.execute(
        delete(AccountLock).where(
            AccountLock.locked_until < now, AccountLock.locked_at < now - policy.window
        )
    )


def locked_accounts(session: Session, now: datetime) -> dict[str, datetime]:
    """Username → end of lock, for accounts locked now."""
    rows = session.scalars(select(AccountLock).where(AccountLock.locked_until > now))
    return {row.username: row.locked_until for row in rows}


def unlock(session: Session, admin: User, user_id: int, now: datetime) -> User:
    """An administrator lifts a lock early; the account starts again with no failures counted."""
    require_role(admin, (Role.ADMIN,), "解锁账号")
    user = session.get(User, user_id)
    if user is None:
        raise WorkflowError("用户不存在。")
    lock = _lock(session, user.username)
    if lock is None or lock.locked_until <= now:
        raise WorkflowError(f"账号「{user.username}」未被锁定。")
    session.delete(lock)
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    record_event(session, None, admin, "解锁账号", after={"用户": user.username}, at=now)
    session.flush()
    return user
