"""Manual entry through the real app: an application by post with an attachment, refused input,
the item in the 台账 with its due date, and the attachment only for users who may see the item."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ledger.clock.deadlines import SHANGHAI
from ledger.models import Item
from webapp.database import get_session

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form_fields(client: FlaskClient) -> dict[str, str]:
    html = client.get("/entry/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    token = re.search(r'name="token" value="([0-9a-f]+)"', html)
    assert csrf and token
    return {"csrf_token": csrf.group(1), "token": token.group(1)}


def application(client: FlaskClient, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        **form_fields(client),
        "item_type": "foi_request",
        "channel": "来信",
        "received_at": "2026-09-28T09:30",  # signed for (Art. 31 ②)
        "submitted_at": "2026-09-24T16:00",  # postmark
        "title": "申请公开2025年中小企业发展专项资金分配结果",
        "body": "申请人王五，电话13812345678，请求公开专项资金分配明细。",
        "author": "王五",
        "applicant_type": "自然人",  # 依申请公开: counted in the annual report by applicant type
        "request_kind": "",
        "attachments": [(BytesIO(PDF), "申请表.pdf")],
    }
    data.update(overrides)
    return data


def count_items(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Item)) or 0


def test_application_by_post_with_attachment(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask
) -> None:
    fenban = client_for(app, "fenban")
    assert 'href="/entry/"' in fenban.get("/ledger/").get_data(as_text=True)  # nav link
    days = {f"{datetime.now(SHANGHAI):%Y%m%d}"}
    response = fenban.post("/entry/", data=application(fenban), content_type="multipart/form-data")
    days.add(f"{datetime.now(SHANGHAI):%Y%m%d}")  # in case Beijing midnight passed meanwhile
    assert response.status_code == 302
    item_url = response.headers["Location"]
    item_id = int(item_url.rsplit("/", 1)[-1])
    page = fenban.get(item_url).get_data(as_text=True)
    assert "已登记" in page
    number = re.search(r"<dt>编号</dt><dd><strong>RG-(\d{8})-0001</strong>", page)
    assert number and number.group(1) in days  # the 编号: Beijing day of entry, first of the day
    assert "以签收之日为准" in page and "第三十一条" in page
    # Signed for Mon 09-28 → 20 working days across 国庆 → 2026-10-30 (test_disclosure_clock).
    assert "到期：2026-10-30 23:59:59" in page
    assert "13812345678" not in page and "138****5678" in page  # masked as everywhere
    link = f"/entry/items/{item_id}/attachments/1"
    assert link in page and "申请表.pdf" in page
    with fenban.get(link) as download:  # closes the served file
        assert download.status_code == 200 and download.get_data() == PDF
        assert download.mimetype == "application/pdf"
        assert "attachment" in download.headers["Content-Disposition"]
    listing = fenban.get("/ledger/?type=foi_request").get_data(as_text=True)
    assert f"/ledger/items/{item_id}" in listing


def test_attachment_only_for_users_who_see_the_item(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask
) -> None:
    handler = client_for(app, "rjc")  # 软件与信息服务业处: the item is theirs
    data = application(handler, item_type="12345", channel="来电", submitted_at="")
    response = handler.post("/entry/", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    item_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    link = f"/entry/items/{item_id}/attachments/1"
    for permitted in (handler, client_for(app, "fenban")):  # own 处室; 办公室 sees all
        with permitted.get(link) as download:
            assert download.status_code == 200 and download.get_data() == PDF
    assert client_for(app, "zxqy").get(link).status_code == 404  # another 处室
    assert client_for(app, "rjc").get(f"/entry/items/{item_id}/attachments/9").status_code == 404
    assert app.test_client().get(link).status_code in (302, 401)  # not logged in


def test_refused_input_saves_nothing(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, tmp_path: Path
) -> None:
    fenban = client_for(app, "fenban")
    before = count_items(app)
    cases = [
        ({"attachments": [(BytesIO(b"MZ\x90\x00"), "setup.exe")]}, "类型不允许"),
        ({"attachments": [(BytesIO(b"MZ\x90\x00"), "改名.pdf")]}, "文件名与内容不符"),
        ({"received_at": "2026-09-20T09:00"}, "早于提交（寄出）时间"),
        ({"received_at": "2099-01-01T09:00"}, "不能是将来的时间"),
        ({"title": ""}, "请填写：标题"),
        ({"received_at": "昨天"}, "收到时间格式不对"),
    ]
    for overrides, message in cases:
        response = fenban.post(
            "/entry/", data=application(fenban, **overrides), content_type="multipart/form-data"
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200, message
        assert "未登记：" in page and message in page, message
        assert "申请公开2025年中小企业发展专项资金分配结果" in page or not overrides.get("title", 1)
    assert count_items(app) == before
    assert not list((tmp_path / "attachments").rglob("*.*"))


def test_form_needs_csrf_and_an_entry_role(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask
) -> None:
    fenban = client_for(app, "fenban")
    data = application(fenban)
    data.pop("csrf_token")
    assert fenban.post("/entry/", data=data, content_type="multipart/form-data").status_code == 400
    assert client_for(app, "fenxi").get("/entry/").status_code == 403
    assert count_items(app) == 0


def test_same_form_submitted_twice_registers_once(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask
) -> None:
    fenban = client_for(app, "fenban")
    data = application(fenban)
    first = fenban.post("/entry/", data=data, content_type="multipart/form-data")
    again = dict(data, attachments=[(BytesIO(PDF), "申请表.pdf")])
    second = fenban.post("/entry/", data=again, content_type="multipart/form-data")
    assert second.headers["Location"] == first.headers["Location"]
    assert "已经登记过" in fenban.get(second.headers["Location"]).get_data(as_text=True)
    assert count_items(app) == 1
