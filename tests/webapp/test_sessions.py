"""Sessions end server-side (logout, password/role/处室 change, deactivation); CSRF rotates at login."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ledger.models import User
from webapp.database import get_session

PASSWORDS = {"admin": "huiying-admin"}


def _token(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    for marker in ('name="csrf_token" type="hidden" value="', 'name="csrf_token" value="'):
        if marker in html:
            start = html.index(marker) + len(marker)
            return html[start : html.index('"', start)]
    raise AssertionError(f"no CSRF token on {url}")


def sign_in(client: FlaskClient, username: str, password: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/auth/login",
        data={
            "username": username,
            "password": password or PASSWORDS.get(username, "huiying-demo"),
            "csrf_token": _token(client, "/auth/login"),
        },
    )


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of this client's session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def logged_in(client: FlaskClient) -> bool:
    response = client.get("/ledger/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    return False


def test_copied_cookie_stops_working_after_logout(app: Flask, client: FlaskClient) -> None:
    assert sign_in(client, "fenban").status_code == 302
    thief = copy_of(app, client)
    assert logged_in(thief)
    token = _token(client, "/notices/")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert not logged_in(client)
    assert not logged_in(thief)  # the copied cookie is refused on the server
    # logging in again later does not revive the old copy
    assert sign_in(client, "fenban").status_code == 302
    assert logged_in(client)
    assert not logged_in(thief)


def _user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return get_session().scalars(select(User.id).where(User.username == username)).one()


EDITS = {  # what the admin changes → the form sent to /admin/users/<id>
    "password": {
        "role": "处室承办人",
        "department": "sme",
        "active": "1",
        "password": "new-secret-1",
    },
    "role": {"role": "审核人", "department": "sme", "active": "1"},
    "department": {"role": "处室承办人", "department": "office", "active": "1"},
    "deactivate": {"role": "处室承办人", "department": "sme"},
}


@pytest.mark.parametrize("change", list(EDITS))
def test_admin_change_ends_the_users_sessions(app: Flask, client: FlaskClient, change: str) -> None:
    assert sign_in(client, "zxqy").status_code == 302
    thief = copy_of(app, client)
    admin = app.test_client()
    assert sign_in(admin, "admin").status_code == 302
    form = {**EDITS[change], "csrf_token": _token(admin, "/admin/users")}
    admin.post(f"/admin/users/{_user_id(app, 'zxqy')}", data=form)
    assert not logged_in(client)
    assert not logged_in(thief)
    assert logged_in(admin)


def test_email_change_keeps_the_session(app: Flask, client: FlaskClient) -> None:
    assert sign_in(client, "zxqy").status_code == 302
    admin = app.test_client()
    assert sign_in(admin, "admin").status_code == 302
    form = {
        "role": "处室承办人",
        "department": "sme",
        "active": "1",
        "email": "zxqy@example.cn",
        "csrf_token": _token(admin, "/admin/users"),
    }
    admin.post(f"/admin/users/{_user_id(app, 'zxqy')}", data=form)
    assert logged_in(client)


def test_admin_resetting_own_password_ends_other_sessions_only(
    app: Flask, client: FlaskClient
) -> None:
    assert sign_in(client, "admin").status_code == 302
    other = app.test_client()
    assert sign_in(other, "admin").status_code == 302
    form = {
        "role": "管理员",
        "active": "1",
        "password": "admin-new-secret",
        "csrf_token": _token(client, "/admin/users"),
    }
    client.post(f"/admin/users/{_user_id(app, 'admin')}", data=form)
    assert logged_in(client)
    assert not logged_in(other)


def test_csrf_token_from_before_logout_is_refused_after_login(client: FlaskClient) -> None:
    assert sign_in(client, "fenban").status_code == 302
    old_token = _token(client, "/notices/")
    assert client.post("/auth/logout", data={"csrf_token": old_token}).status_code == 302
    assert sign_in(client, "fenban").status_code == 302
    assert client.post("/auth/logout", data={"csrf_token": old_token}).status_code == 400
    assert logged_in(client)
    fresh = _token(client, "/notices/")
    assert fresh != old_token
    assert client.post("/auth/logout", data={"csrf_token": fresh}).status_code == 302


def test_csrf_token_from_the_login_page_is_not_kept_after_login(client: FlaskClient) -> None:
    before = _token(client, "/auth/login")
    assert sign_in(client, "fenban").status_code == 302
    assert client.post("/auth/logout", data={"csrf_token": before}).status_code == 400
