"""Workflow through the pages: concurrent edits conflict visibly; export; holiday upload."""

from __future__ import annotations

import re
import shutil
from io import BytesIO
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from ledger.exports.items import COLUMNS


def login(client: FlaskClient, username: str, password: str = "huiying-demo") -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )


def test_second_editor_gets_a_conflict_message_not_an_overwrite(
    app: Flask, make_item, csrf, version, routing
) -> None:  # type: ignore[no-untyped-def]
    # the model is unsure about this one (中小企业局, well below auto-routing): it waits for triage
    item_id = make_item(
        "C1", "合同款一年多未结清", "某单位欠我公司合同款 80 余万元，多次催要无果，请求协调。"
    )
    assert routing(item_id).status == "待分办"
    first, second = app.test_client(), app.test_client()
    login(first, "fenban")
    login(second, "admin", "huiying-admin")
    seen = version(item_id)  # both have the page open at this version
    t1, t2 = csrf(first), csrf(second)
    r1 = first.post(
        f"/triage/items/{item_id}/confirm",
        data={"csrf_token": t1, "version": seen, "department": "sme"},
        follow_redirects=True,
    )
    assert "已分办" in r1.get_data(as_text=True)
    r2 = second.post(
        f"/triage/items/{item_id}/confirm",
        data={"csrf_token": t2, "version": seen, "department": "software"},
        follow_redirects=True,
    )
    html = r2.get_data(as_text=True)
    assert "已被他人修改" in html and "本次操作未保存" in html
    from ledger.models import Item
    from webapp.database import get_session

    with app.app_context():
        item = get_session().get(Item, item_id)
        assert item is not None and item.department is not None
        assert item.department.code == "sme"  # the first decision stands


def test_draft_submit_approve_through_pages(app: Flask, make_item, csrf, version) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("W1", "拖欠账款", "国企拖欠货款。", route_to="sme")
    handler = app.test_client()
    login(handler, "zxqy")
    page = handler.get(f"/workbench/items/{item_id}?template=0").get_data(as_text=True)
    assert "拖欠账款" in page and "收悉" in page  # the template filled the editor
    handler.post(
        f"/workbench/items/{item_id}/draft",
        data={
            "csrf_token": csrf(handler),
            "version": version(item_id),
            "text": "已督促支付。",
            "action": "submit",
        },
    )
    head = app.test_client()
    login(head, "zxqy-sh")
    assert "拖欠账款" in head.get("/review/").get_data(as_text=True)
    response = head.post(
        f"/review/items/{item_id}/approve",
        data={"csrf_token": csrf(head), "version": version(item_id)},
        follow_redirects=True,
    )
    assert "答复已批准" in response.get_data(as_text=True)
    assert "已答复" in head.get(f"/ledger/items/{item_id}").get_data(as_text=True)


def test_export_has_office_columns_and_masks_personal_data(
    app: Flask, client: FlaskClient, make_item
) -> None:  # type: ignore[no-untyped-def]
    make_item(
        "E1",
        '=HYPERLINK("http://x") 回电 13812345678',
        "身份证 370102199001011234。",
        route_to="sme",
    )
    make_item("E2", "化工园区扩区", "何时扩区？", route_to="chemical")
    login(client, "fenban")
    response = client.get("/ledger/export.xlsx?q=回电")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [name for name, _ in COLUMNS]
    assert len(rows) == 2  # the filter applies
    flat = " ".join(str(v) for v in rows[1] if v is not None)
    assert "13812345678" not in flat and "138****5678" in flat
    assert "370102199001011234" not in flat
    assert ws["E2"].data_type == "s"  # a crawled "=..." stays text, never a formula


def test_search_finds_chinese_substrings_and_date_range(
    app: Flask, client: FlaskClient, make_item
) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    make_item(
        "S1",
        "关于5G基站建设补贴",
        "基站选址困难。",
        received_at=datetime(2026, 11, 2, 2, tzinfo=UTC),
    )
    make_item("S2", "限电影响生产", "园区限电。", received_at=datetime(2026, 11, 20, 2, tzinfo=UTC))
    login(client, "fenban")
    html = client.get("/ledger/?q=基站 补贴").get_data(as_text=True)
    assert "关于5G基站建设补贴" in html and "限电影响生产" not in html
    html = client.get("/ledger/?from=2026-11-10&to=2026-11-30").get_data(as_text=True)
    assert "限电影响生产" in html and "关于5G基站建设补贴" not in html


def test_holiday_upload_is_validated_with_the_calendar_parser(
    app: Flask, client: FlaskClient, tmp_path: Path, csrf
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    shutil.copytree(
        app.config["DATA_DIR"], data, ignore=shutil.ignore_patterns("seed_corpus.csv", "demo")
    )
    app.config["DATA_DIR"] = str(data)
    login(client, "admin", "huiying-admin")
    bad = client.post(
        "/admin/holidays",
        data={
            "csrf_token": csrf(client),
            "year": "2027",
            "text": '[[holidays]]\nname = "元旦"\ndate = 2026-01-01\n',
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "节假日文件" in bad and not (data / "holidays" / "2027.toml").exists()
    good = '[[holidays]]\nname = "元旦"\ndate = 2027-01-01\n'
    page = client.post(
        "/admin/holidays",
        data={"csrf_token": csrf(client), "year": "2027", "text": good},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert (data / "holidays" / "2027.toml").read_text(encoding="utf-8") == good
    assert "管理员文件" in page


def test_every_worker_sees_a_new_holiday_file(app: Flask, tmp_path: Path) -> None:
    """gunicorn runs several app instances; a file saved through one is used by all."""
    from datetime import date

    from webapp import create_app
    from webapp.services import clock

    data = tmp_path / "data"
    shutil.copytree(
        app.config["DATA_DIR"], data, ignore=shutil.ignore_patterns("seed_corpus.csv", "demo")
    )
    other = create_app({**app.config, "DATA_DIR": str(data)})
    with other.app_context():
        assert clock().calendar.coverage(2027) == "fallback"  # built and cached
    (data / "holidays" / "2027.toml").write_text(
        '[[holidays]]\nname = "元旦"\ndate = 2027-01-01\n', encoding="utf-8"
    )
    with other.app_context():
        assert clock().calendar.coverage(2027) == "file"
        assert not clock().calendar.is_workday(date(2027, 1, 1))
    other.extensions["huiying.engine"].dispose()


def test_queue_offers_send_back_not_confirm_for_not_ours(
    app: Flask, make_item, csrf, routing, version
) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("N1", "小区物业乱收费", "小区物业公司乱收停车费，请求处理。")
    assert routing(item_id).top == "not_ours"  # the model's top suggestion: 非本厅职责
    client = app.test_client()
    login(client, "fenban")
    assert f"/triage/items/{item_id}?" not in client.get("/triage/").get_data(as_text=True)
    html = client.get("/triage/?tab=not_ours").get_data(as_text=True)  # its own tab
    row = html[html.index(f'data-href="/triage/items/{item_id}?tab=not_ours"') :]
    row = row[: row.index("</tr>")]
    assert "回退" in row and 'form="bulk"' in row  # ticked for a bulk 回退, not a confirm
    assert f"/triage/items/{item_id}/confirm" not in row
    assert "/triage/bulk-return" in html
    response = client.post(
        f"/triage/items/{item_id}/return",
        data={"csrf_token": csrf(client), "version": version(item_id), "reason": "属住建部门职责"},
        follow_redirects=True,
    )
    assert "已回退" in response.get_data(as_text=True)
