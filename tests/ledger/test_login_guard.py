"""Login limits over time: the failure window slides, locks expire, a lock resets the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import Event, User
from ledger.office import login_guard
from ledger.office.login_guard import LoginPolicy
from ledger.workflow.guards import NotPermitted, WorkflowError

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
POLICY = LoginPolicy(
    max_failures=3,
    window=timedelta(minutes=15),
    lock_for=timedelta(minutes=10),
    ip_max_failures=5,
    ip_window=timedelta(minutes=5),
)
IP = "192.0.2.7"


def fail(session: Session, username: str, at: datetime, ip: str = IP) -> datetime | None:
    return login_guard.record_failure(session, POLICY, username, ip, at)


def test_failures_outside_the_window_do_not_count(session: Session) -> None:
    fail(session, "zxqy", T0)
    fail(session, "zxqy", T0 + timedelta(minutes=5))
    assert fail(session, "zxqy", T0 + timedelta(minutes=16)) is None  # the first has expired
    until = fail(session, "zxqy", T0 + timedelta(minutes=17))
    assert until == T0 + timedelta(minutes=27)
    refusal = login_guard.check(
        session, POLICY, "zxqy", "198.51.100.1", until - timedelta(seconds=1)
    )
    assert refusal == login_guard.Refusal("account", until)
    assert login_guard.check(session, POLICY, "zxqy", "198.51.100.1", until) is None


def test_after_a_lock_the_count_starts_again(session: Session) -> None:
    for n in range(3):
        until = fail(session, "zxqy", T0 + timedelta(seconds=n))
    assert until is not None
    after = until + timedelta(seconds=1)
    # the three failures are still inside the window, but were already punished
    assert fail(session, "zxqy", after) is None
    assert fail(session, "zxqy", after + timedelta(seconds=1)) is None
    assert fail(session, "zxqy", after + timedelta(seconds=2)) is not None
    locks = session.scalars(
        select(Event).where(Event.action == "账号锁定").order_by(Event.id)
    ).all()
    assert len(locks) == 2
    assert locks[0].actor == "系统" and locks[0].after == {
        "用户": "zxqy",
        "连续失败": 3,
        "锁定至（北京时间）": "2026-12-01 10:10",  # 02:00 UTC + 10 minutes, in Beijing
    }


def test_a_correct_login_forgets_earlier_failures(session: Session) -> None:
    fail(session, "zxqy", T0)
    fail(session, "zxqy", T0 + timedelta(seconds=1))
    login_guard.record_success(session, "zxqy")
    assert fail(session, "zxqy", T0 + timedelta(seconds=2)) is None


def test_address_limit_until_the_oldest_failure_leaves_the_window(session: Session) -> None:
    for n in range(5):
        fail(session, f"user{n}", T0 + timedelta(minutes=n / 2))
    refusal = login_guard.check(session, POLICY, "fenban", IP, T0 + timedelta(minutes=3))
    assert refusal == login_guard.Refusal("address", T0 + POLICY.ip_window)
    assert login_guard.check(session, POLICY, "fenban", "198.51.100.1", T0) is None
    assert login_guard.check(session, POLICY, "fenban", IP, T0 + POLICY.ip_window) is None


def test_only_an_admin_unlocks_and_only_a_locked_account(session: Session) -> None:
    users = {u.username: u for u in session.scalars(select(User))}
    zxqy = users["zxqy"]
    with pytest.raises(WorkflowError, match="未被锁定"):
        login_guard.unlock(session, users["admin"], zxqy.id, T0)
    for n in range(3):
        fail(session, "zxqy", T0 + timedelta(seconds=n))
    now = T0 + timedelta(minutes=1)
    assert "zxqy" in login_guard.locked_accounts(session, now)
    with pytest.raises(NotPermitted):
        login_guard.unlock(session, users["fenban"], zxqy.id, now)
    login_guard.unlock(session, users["admin"], zxqy.id, now)
    assert login_guard.locked_accounts(session, now) == {}
    assert login_guard.check(session, POLICY, "zxqy", "198.51.100.1", now) is None
