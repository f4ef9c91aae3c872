"""A user holds several roles: the admin ticks them in the users page; the login lands on the
first role's page, the menu offers every page any role may use, each role's steps are allowed,
four-eyes still applies to the person, and a change of roles ends the user's sessions."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ledger.models import Event, Role, User
from webapp.database import get_session

NEW_USER = {
    "username": "zxqy-both",
    "display_name": "中小企业局承办兼审核",
    "password": "both-roles-secret",
    "role": ["处室承办人", "审核人"],  # two ticked boxes
    "department": "sme",
}


def _token(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    marker = 'name="csrf_token" value="'
    if marker not in html:
        marker = 'name="csrf_token" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _login(client: FlaskClient, username: str, password: str) -> None:
    response = client.post(
        "/auth/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": _token(client, "/auth/login"),
        },
    )
    assert response.status_code == 302, username


def _user(app: Flask, username: str) -> User:
    with app.app_context():
        user = get_session().scalars(select(User).where(User.username == username)).one()
        user.roles  # noqa: B018  (load them while the session is open)
        return user


def _both_roles(app: Flask) -> tuple[FlaskClient, FlaskClient]:
    admin = app.test_client()
    _login(admin, "admin", "huiying-admin")
    page = admin.post(
        "/admin/users",
        data={**NEW_USER, "csrf_token": _token(admin, "/admin/users")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "用户已创建" in page
    both = app.test_client()
    _login(both, NEW_USER["username"], NEW_USER["password"])
    return admin, both


def test_a_user_with_two_roles_drafts_and_reviews(app: Flask, make_item, version) -> None:  # type: ignore[no-untyped-def]
    admin, both = _both_roles(app)
    assert _user(app, "zxqy-both").roles == [Role.HANDLER, Role.REVIEWER]
    assert both.get("/").headers["Location"].endswith("/workbench/")  # the first role's page
    menu = both.get("/ledger/").get_data(as_text=True)
    assert ">承办</a>" in menu and ">审核</a>" in menu and ">分办</a>" not in menu
    assert "处室承办人、审核人" in menu  # who they are, with every role

    # as 承办人 they draft and submit a reply; as 审核人 four-eyes refuses their own draft
    own = make_item("MR1", "拖欠账款", "国企拖欠货款。", route_to="sme")
    both.post(
        f"/workbench/items/{own}/draft",
        data={
            "csrf_token": _token(both, "/notices/"),
            "version": version(own),
            "text": "已督促支付。",
            "action": "submit",
        },
    )
    refused = both.post(
        f"/review/items/{own}/approve",
        data={"csrf_token": _token(both, "/notices/"), "version": version(own)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "不能审核自己起草或修改过的答复" in refused

    # a colleague's draft they may approve
    other = make_item(
        "MR2",
        "合同款一年多未结清",
        "某单位欠我公司合同款 80 余万元，多次催要无果。",
        route_to="sme",
    )
    handler = app.test_client()
    _login(handler, "zxqy", "huiying-demo")
    handler.post(
        f"/workbench/items/{other}/draft",
        data={
            "csrf_token": _token(handler, "/notices/"),
            "version": version(other),
            "text": "已协调担保机构降低费率。",
            "action": "submit",
        },
    )
    approved = both.post(
        f"/review/items/{other}/approve",
        data={"csrf_token": _token(both, "/notices/"), "version": version(other)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "答复已批准" in approved


def test_changing_roles_ends_the_session_and_is_audited(app: Flask) -> None:
    admin, both = _both_roles(app)
    user_id = _user(app, "zxqy-both").id
    # the same roles with 审核人 chosen as the landing page: the order changed, sessions end
    form = {"role": ["处室承办人", "审核人"], "home": "审核人", "department": "sme", "active": "1"}
    admin.post(
        f"/admin/users/{user_id}", data={**form, "csrf_token": _token(admin, "/admin/users")}
    )
    assert both.get("/ledger/").status_code == 302  # sent to the login page
    _login(both, NEW_USER["username"], NEW_USER["password"])
    assert both.get("/").headers["Location"].endswith("/review/")
    # dropping a role ends the session again; the audit trail has both versions
    form = {"role": ["处室承办人"], "department": "sme", "active": "1"}
    admin.post(
        f"/admin/users/{user_id}", data={**form, "csrf_token": _token(admin, "/admin/users")}
    )
    assert both.get("/ledger/").status_code == 302
    _login(both, NEW_USER["username"], NEW_USER["password"])
    assert both.get("/review/").status_code == 403
    with app.app_context():
        edits = get_session().scalars(select(Event).where(Event.action == "修改用户")).all()
        assert [e.after["角色"] for e in edits] == ["审核人、处室承办人", "处室承办人"]


def test_a_department_role_needs_a_department_and_one_role_is_required(app: Flask) -> None:
    admin = app.test_client()
    _login(admin, "admin", "huiying-admin")
    for roles, message in (
        ([], "至少选择一个角色"),
        (["督办", "审核人"], "审核人必须属于一个处室"),
    ):
        form = {**NEW_USER, "role": roles, "department": ""}
        page = admin.post(
            "/admin/users",
            data={**form, "csrf_token": _token(admin, "/admin/users")},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert message in page
    # 督办 + 分析员 see every 处室 and need none
    form = {**NEW_USER, "role": ["督办", "分析员"], "department": ""}
    admin.post("/admin/users", data={**form, "csrf_token": _token(admin, "/admin/users")})
    assert _user(app, "zxqy-both").sees_all_departments
