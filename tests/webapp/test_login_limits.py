"""Login limits hold across workers (shared database), lock accounts, and cost the same for anyone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import ledger.office.accounts
from ledger.models import Event, User
from webapp import create_app
from webapp.database import get_session

PASSWORDS = {"admin": "huiying-admin"}


def _token(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    for marker in ('name="csrf_token" type="hidden" value="', 'name="csrf_token" value="'):
        if marker in html:
            start = html.index(marker) + len(marker)
            return html[start : html.index('"', start)]
    raise AssertionError(f"no CSRF token on {url}")


def sign_in(client: FlaskClient, username: str, password: str | None = None, **kw):  # type: ignore[no-untyped-def]
    return client.post(
        "/auth/login",
        data={
            "username": username,
            "password": password or PASSWORDS.get(username, "huiying-demo"),
            "csrf_token": _token(client, "/auth/login"),
        },
        **kw,
    )


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances, each with its own engine, on one database: two gunicorn workers."""

    def make(**config: object) -> Flask:
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "DATABASE_URL": database_url,
                "INSTANCE_DIR": str(tmp_path),
                "LOGIN_MAX_FAILURES": 3,
                "LOGIN_IP_MAX_FAILURES": 100,
                **config,
            }
        )

    apps = (make(), make())
    yield apps
    for app in apps:
        app.extensions["huiying.engine"].dispose()


def events(app: Flask, action: str) -> list[Event]:
    with app.app_context():
        return list(get_session().scalars(select(Event).where(Event.action == action)))


def test_account_locks_across_workers_and_admin_unlocks(workers: tuple[Flask, Flask]) -> None:
    one, two = (app.test_client() for app in workers)
    assert "用户名或密码错误" in sign_in(one, "zxqy", "wrong-1").get_data(as_text=True)
    assert "用户名或密码错误" in sign_in(two, "zxqy", "wrong-2").get_data(as_text=True)
    third = sign_in(one, "zxqy", "wrong-3")  # the third failure, counted over both workers
    assert third.status_code == 429
    # the right password is refused now too, on either worker, with what to do
    for client in (one, two):
        refused = sign_in(client, "zxqy")
        assert refused.status_code == 429
        text = refused.get_data(as_text=True)
        assert "已被锁定" in text and "北京时间" in text and "联系系统管理员解锁" in text
    locked = events(workers[0], "账号锁定")
    assert len(locked) == 1 and locked[0].after and locked[0].after["用户"] == "zxqy"

    admin = workers[1].test_client()
    assert sign_in(admin, "admin").status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "解锁" in page and "锁定至" in page
    with workers[1].app_context():
        uid = get_session().scalars(select(User.id).where(User.username == "zxqy")).one()
    admin.post(f"/admin/users/{uid}/unlock", data={"csrf_token": _token(admin, "/admin/users")})
    assert "锁定至" not in admin.get("/admin/users").get_data(as_text=True)
    assert [e.actor for e in events(workers[0], "解锁账号")] == ["admin"]
    assert sign_in(two, "zxqy").status_code == 302


def test_unknown_usernames_lock_the_same_way(workers: tuple[Flask, Flask]) -> None:
    """Otherwise "locked" vs "wrong password" would tell which usernames exist."""
    client = workers[0].test_client()
    for n in range(2):
        assert sign_in(client, "nobody-here", f"wrong-{n}").status_code == 200
    assert sign_in(client, "nobody-here", "wrong-3").status_code == 429
    assert "已被锁定" in sign_in(client, "nobody-here").get_data(as_text=True)
    assert events(workers[0], "账号锁定") == []  # typed names that are no account stay out


def test_address_limit_is_shared_across_workers(database_url: str, tmp_path: Path) -> None:
    apps = [
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "DATABASE_URL": database_url,
                "INSTANCE_DIR": str(tmp_path),
                "LOGIN_IP_MAX_FAILURES": 4,
            }
        )
        for _ in range(2)
    ]
    try:
        one, two = (app.test_client() for app in apps)
        for n in range(2):  # different usernames: no account reaches its own limit
            assert sign_in(one, f"guess-a{n}", "x-wrong").status_code == 200
            assert sign_in(two, f"guess-b{n}", "x-wrong").status_code == 200
        refused = sign_in(one, "fenban")
        assert refused.status_code == 429
        assert "本机登录失败次数过多" in refused.get_data(as_text=True)
        assert sign_in(two, "fenban").status_code == 429
    finally:
        for app in apps:
            app.extensions["huiying.engine"].dispose()


@pytest.mark.parametrize("proxies", [0, 1])
def test_forwarded_address_is_used_only_behind_a_configured_proxy(
    database_url: str, tmp_path: Path, proxies: int
) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "INSTANCE_DIR": str(tmp_path),
            "LOGIN_IP_MAX_FAILURES": 2,
            "PROXY_FIX_X_FOR": proxies,
        }
    )
    try:
        client = app.test_client()
        for n in range(2):  # an attacker rotating a made-up X-Forwarded-For
            forged = {"X-Forwarded-For": f"10.0.0.{n}"}
            sign_in(client, f"guess-{n}", "x-wrong", headers=forged)
        after = sign_in(client, "fenban", headers={"X-Forwarded-For": "10.0.0.9"})
        # no proxy configured: the header is ignored and the socket address is limited;
        # behind one proxy, each forwarded address is a different client
        assert after.status_code == (429 if proxies == 0 else 302)
    finally:
        app.extensions["huiying.engine"].dispose()


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every call of werkzeug's real password check (it still does its work)."""
    calls: list[str] = []
    real = ledger.office.accounts.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(ledger.office.accounts, "check_password_hash", counting)
    return calls


def test_unknown_and_inactive_users_cost_one_hash_check_like_known_ones(
    app: Flask, client: FlaskClient, hash_checks: list[str]
) -> None:
    sign_in(client, "fenban", "wrong-password")
    known = list(hash_checks)
    assert len(known) == 1
    hash_checks.clear()
    sign_in(client, "no-such-user", "wrong-password")
    assert len(hash_checks) == 1
    # the dummy hash has the same method and cost as a real one
    assert hash_checks[0].split("$")[0] == known[0].split("$")[0]
    with app.app_context():
        db = get_session()
        db.scalars(select(User).where(User.username == "duban")).one().active = False
        db.commit()
    hash_checks.clear()
    sign_in(client, "duban")  # right password, deactivated account
    assert len(hash_checks) == 1
