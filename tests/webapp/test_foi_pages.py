"""依申请公开 on the web without a browser: the entry form refuses an application without its
applicant type (nothing saved), a notice download is audited, another 处室 cannot fetch it,
the 台账 export carries the type-specific columns, and an application past its 补正 date is
deemed withdrawn when its page is opened."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from ledger.clock.deadlines import SHANGHAI
from ledger.models import Event, Item, ItemStatus, User
from ledger.workflow.disclosure import requests as foi
from ledger.workflow.guards import Clock
from webapp.database import get_session
from webapp.services import data_dir

Login = Callable[[Flask, str], FlaskClient]


def entry(client: FlaskClient, **overrides: str) -> dict[str, str]:
    html = client.get("/entry/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    token = re.search(r'name="token" value="([0-9a-f]+)"', html)
    assert csrf and token
    data = {
        "csrf_token": csrf.group(1),
        "token": token.group(1),
        "item_type": "foi_request",
        "channel": "来信",
        "received_at": "2026-05-11T11:00",
        "title": "申请公开2025年技术改造专项资金分配结果",
        "body": "请公开分配明细。",
        "author": "王五",
        "applicant_type": "社会公益组织",
        "applicant_address": "济南市历下区解放路100号",
    }
    data.update(overrides)
    return data


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model)) or 0


def test_applicant_type_is_required_and_nothing_is_saved(client_for: Login, app: Flask) -> None:
    fenban = client_for(app, "fenban")
    response = fenban.post("/entry/", data=entry(fenban, applicant_type=""))
    assert response.status_code == 200
    assert "未登记：请选择申请人类型" in response.get_data(as_text=True)
    assert count(app, Item) == 0


def test_notice_download_is_audited_and_export_has_the_columns(
    client_for: Login, app: Flask
) -> None:
    fenban = client_for(app, "fenban")
    response = fenban.post("/entry/", data=entry(fenban))
    assert response.status_code == 302
    item_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    with app.app_context():
        session = get_session()
        user = session.scalars(select(User).where(User.username == "fenban")).one()
        item = session.get(Item, item_id)
        assert item is not None
        foi.issue_correction(
            session,
            user,
            item_id,
            item.version,
            issued_at=datetime(2026, 5, 12, 9, tzinfo=SHANGHAI),
            to_complete="请写明年度",
            answer_by=date(2026, 5, 22),
            now=datetime(2026, 5, 12, 10, tzinfo=SHANGHAI),
            clock=Clock.from_data_dir(data_dir()),
        )
        session.commit()
    link = f"/foi/items/{item_id}/notices/correction.docx"
    other = client_for(app, "rjc")  # 软件与信息服务业处 handler: not their item
    assert other.get(link).status_code == 404
    events = count(app, Event)
    download = fenban.get(link)
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert count(app, Event) == events + 1
    with app.app_context():
        last = get_session().scalars(select(Event).order_by(Event.id.desc())).first()
        assert last is not None and last.action == "下载告知书" and last.actor == "fenban"
    # Opening the page after the 补正 date (2026-05-22) records 视为撤回 first.
    page = fenban.get(f"/ledger/items/{item_id}").get_data(as_text=True)
    assert "视为撤回" in page
    with app.app_context():
        assert get_session().get(Item, item_id).status == ItemStatus.WITHDRAWN  # type: ignore[union-attr]
    sheet = load_workbook(BytesIO(fenban.get("/ledger/export.xlsx?type=foi_request").data)).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index("申请人类型（依申请公开）")] == "社会公益组织"
    assert row[header.index("答复类型（依申请公开）")] == "视为撤回"
