"""Login, CSRF, per-处室 visibility and escaping on the 台账 pages, against a real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

RECEIVED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def add_item(make_item, external_id: str, title: str, body: str, dept_code: str | None) -> int:  # type: ignore[no-untyped-def]
    """A 留言板 item received 2026-11-20 09:00 UTC, with 处室 `dept_code` (see conftest.add_item)."""
    return make_item(external_id, title, body, route_to=dept_code, received_at=RECEIVED)  # type: ignore[no-any-return]


def test_pages_need_login(client: FlaskClient) -> None:
    response = client.get("/ledger/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/auth/login", data={"username": "fenban", "password": "huiying-demo"})
    assert response.status_code == 400


def test_wrong_password_is_refused(client: FlaskClient, auth) -> None:  # type: ignore[no-untyped-def]
    response = auth.login(password="wrong-password")
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/ledger/").status_code == 302


def test_triage_sees_all_items_with_deadlines(
    app: Flask, client: FlaskClient, auth, make_item
) -> None:  # type: ignore[no-untyped-def]
    add_item(make_item, "A1", "专精特新认定标准咨询", "请问省级专精特新中小企业认定条件？", "sme")
    add_item(make_item, "A2", "化工园区扩区问题", "我县化工园区何时扩区？", "chemical")
    auth.login("fenban")
    html = client.get("/ledger/").get_data(as_text=True)
    assert "专精特新认定标准咨询" in html and "化工园区扩区问题" in html
    assert "共 2 条" in html
    assert "2026-12-" in html  # the due date (10 working days after 2026-11-20)


def test_department_user_sees_only_own_items(
    app: Flask, client: FlaskClient, auth, make_item
) -> None:  # type: ignore[no-untyped-def]
    own = add_item(make_item, "B1", "拖欠账款", "国企拖欠我公司货款。", "sme")
    other = add_item(make_item, "B2", "化工园区扩区问题", "我县化工园区何时扩区？", "chemical")
    auth.login("zxqy")
    html = client.get("/ledger/").get_data(as_text=True)
    assert "拖欠账款" in html and "化工园区扩区问题" not in html
    assert client.get(f"/ledger/items/{own}").status_code == 200
    assert client.get(f"/ledger/items/{other}").status_code == 404


def test_crawled_markup_is_inert(app: Flask, client: FlaskClient, auth, make_item) -> None:  # type: ignore[no-untyped-def]
    item_id = add_item(
        make_item, "X1", "<script>alert('x')</script>标题", "<img src=x onerror=alert(1)>正文", None
    )
    auth.login("fenban")
    for url in ("/ledger/", f"/ledger/items/{item_id}"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_phone_numbers_are_masked_in_pages(
    app: Flask, client: FlaskClient, auth, make_item
) -> None:  # type: ignore[no-untyped-def]
    item_id = add_item(
        make_item, "P1", "回电 13812345678", "身份证 370102199001011234 电话 13812345678", None
    )
    auth.login("fenban")
    html = client.get(f"/ledger/items/{item_id}").get_data(as_text=True)
    assert "13812345678" not in html and "138****5678" in html
    assert "370102199001011234" not in html


@pytest.mark.parametrize("path", ["/ledger/", "/ledger/items/1"])
def test_times_are_shown_in_shanghai(
    app: Flask, client: FlaskClient, auth, make_item, path: str
) -> None:  # type: ignore[no-untyped-def]
    add_item(make_item, "T1", "时间显示", "收到时间应显示为北京时间。", "sme")
    auth.login("admin", "huiying-admin")
    html = client.get(path).get_data(as_text=True)
    assert "2026-11-20 17:00" in html  # 09:00 UTC
