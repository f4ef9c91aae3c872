"""Login, CSRF, per-处室 visibility and escaping on the 台账 pages, against a real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ledger.intake import IntakeContext, intake
from ledger.models import Department, Item, ItemStatus
from ledger.records import IntakeRecord
from ledger.settings import Settings
from webapp.database import get_session


def add_item(app: Flask, external_id: str, title: str, body: str, dept_code: str | None) -> int:
    with app.app_context():
        session = get_session()
        settings = Settings(
            database_url=app.config["DATABASE_URL"],
            data_dir=Settings.from_env().data_dir,
            instance_dir=Settings.from_env().instance_dir,
        )
        with session.begin():
            ctx = IntakeContext.load(session, settings)
            record = IntakeRecord(
                source="demo_board",
                external_id=external_id,
                item_type="留言板",
                title=title,
                body=body,
                received_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            )
            item_id = intake(session, record, ctx).item_id
            if dept_code:
                item = session.get(Item, item_id)
                assert item is not None
                item.department_id = session.scalar(
                    select(Department.id).where(Department.code == dept_code)
                )
                item.status = ItemStatus.IN_PROGRESS
        return item_id


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


def test_triage_sees_all_items_with_deadlines(app: Flask, client: FlaskClient, auth) -> None:  # type: ignore[no-untyped-def]
    add_item(app, "A1", "专精特新认定标准咨询", "请问省级专精特新中小企业认定条件？", "sme")
    add_item(app, "A2", "化工园区扩区问题", "我县化工园区何时扩区？", "chemical")
    auth.login("fenban")
    html = client.get("/ledger/").get_data(as_text=True)
    assert "专精特新认定标准咨询" in html and "化工园区扩区问题" in html
    assert "共 2 条" in html
    assert "2026-12-" in html  # the due date (10 working days after 2026-11-20)


def test_department_user_sees_only_own_items(app: Flask, client: FlaskClient, auth) -> None:  # type: ignore[no-untyped-def]
    own = add_item(app, "B1", "拖欠账款", "国企拖欠我公司货款。", "sme")
    other = add_item(app, "B2", "化工园区扩区问题", "我县化工园区何时扩区？", "chemical")
    auth.login("zxqy")
    html = client.get("/ledger/").get_data(as_text=True)
    assert "拖欠账款" in html and "化工园区扩区问题" not in html
    assert client.get(f"/ledger/items/{own}").status_code == 200
    assert client.get(f"/ledger/items/{other}").status_code == 404


def test_crawled_markup_is_inert(app: Flask, client: FlaskClient, auth) -> None:  # type: ignore[no-untyped-def]
    item_id = add_item(
        app, "X1", "<script>alert('x')</script>标题", "<img src=x onerror=alert(1)>正文", None
    )
    auth.login("fenban")
    for url in ("/ledger/", f"/ledger/items/{item_id}"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_phone_numbers_are_masked_in_pages(app: Flask, client: FlaskClient, auth) -> None:  # type: ignore[no-untyped-def]
    item_id = add_item(
        app, "P1", "回电 13812345678", "身份证 370102199001011234 电话 13812345678", None
    )
    auth.login("fenban")
    html = client.get(f"/ledger/items/{item_id}").get_data(as_text=True)
    assert "13812345678" not in html and "138****5678" in html
    assert "370102199001011234" not in html


@pytest.mark.parametrize("path", ["/ledger/", "/ledger/items/1"])
def test_times_are_shown_in_shanghai(app: Flask, client: FlaskClient, auth, path: str) -> None:  # type: ignore[no-untyped-def]
    add_item(app, "T1", "时间显示", "收到时间应显示为北京时间。", "sme")
    auth.login("admin", "huiying-admin")
    html = client.get(path).get_data(as_text=True)
    assert "2026-11-20 17:00" in html  # 09:00 UTC
