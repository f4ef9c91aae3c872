"""The triage queue as a 分办员 works it: every item reachable by paging, tabs, a sent-back item
flagged with its reason (its 处室 not pre-selected), bulk 回退 with a preset reason, merge found by
编号 or title, confirm and next."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ledger.models import Item, ItemStatus
from ledger.workflow.triage_queue import RETURN_REASONS
from webapp.database import get_session

WAITING = ("合同款一年多未结清", "某国有企业欠我公司合同款 80 余万元，多次催要无果，请求协调。")
NOT_OURS = ("小区物业乱收费", "小区物业公司乱收停车费，请求处理。")


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-href="/triage/items/(\d+)', html)


def test_every_waiting_item_is_reachable_by_paging(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item
) -> None:  # type: ignore[no-untyped-def]
    for n in range(57):
        make_item(f"Q-{n:03d}", f"{WAITING[0]}（{n}）", WAITING[1])
    with app.app_context():
        waiting = get_session().scalar(select(func.count()).where(Item.status == ItemStatus.NEW))
    assert waiting and waiting > 50  # more than one page: nothing silently capped
    fenban = client_for(app, "fenban")
    seen: list[str] = []
    page = 1
    while True:
        html = fenban.get(f"/triage/?tab=all&page={page}").get_data(as_text=True)
        rows = _rows(html)
        if not rows:
            break
        seen += rows
        page += 1
    assert len(seen) == len(set(seen)) == waiting
    first = fenban.get("/triage/?tab=all").get_data(as_text=True)
    assert 'aria-current="page">1<' in first and "page=2" in first


def test_sent_back_item_is_flagged_and_its_department_not_preselected(
    client_for: Callable[[Flask, str], FlaskClient],  # type: ignore[no-untyped-def]
    app: Flask,
    make_item,
    csrf,
    version,
) -> None:
    item_id = make_item("B-1", *WAITING, route_to="sme")
    handler = client_for(app, "zxqy")
    handler.post(
        f"/workbench/items/{item_id}/send-back",
        data={"csrf_token": csrf(handler), "version": version(item_id), "reason": "应由财务处办理"},
    )
    fenban = client_for(app, "fenban")
    html = fenban.get("/triage/?tab=returned").get_data(as_text=True)
    assert _rows(html) == [str(item_id)]
    row = html[html.index(f'data-href="/triage/items/{item_id}') :]
    row = row[: row.index("</tr>")]
    assert "被中小企业局退回：应由财务处办理" in row
    assert "selected" not in row and "— 选择处室 —" in row
    assert str(item_id) not in _rows(fenban.get("/triage/").get_data(as_text=True))  # not 新进
    page = fenban.get(f"/triage/items/{item_id}?tab=returned").get_data(as_text=True)
    assert "被中小企业局退回" in page and "selected" not in page.split('id="department"')[1][:2000]


def test_bulk_return_of_not_ours_with_a_preset_reason(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item, csrf
) -> None:  # type: ignore[no-untyped-def]
    ids = [make_item(f"W-{n}", f"{NOT_OURS[0]}{n}", NOT_OURS[1]) for n in range(3)]
    fenban = client_for(app, "fenban")
    html = fenban.get("/triage/?tab=not_ours").get_data(as_text=True)
    assert set(_rows(html)) == {str(i) for i in ids}
    values = re.findall(r'name="item" value="([^"]+)" form="bulk"', html)
    response = fenban.post(
        "/triage/bulk-return",
        data={"csrf_token": csrf(fenban), "item": values, "reason": RETURN_REASONS[0]},
        follow_redirects=True,
    )
    assert "已回退 3 条" in response.get_data(as_text=True)
    with app.app_context():
        statuses = {get_session().get(Item, i).status for i in ids}  # type: ignore[union-attr]
    assert statuses == {ItemStatus.RETURNED}


def test_merge_found_by_number_or_title_and_confirm_and_next(
    client_for: Callable[[Flask, str], FlaskClient],  # type: ignore[no-untyped-def]
    app: Flask,
    make_item,
    csrf,
    version,
) -> None:
    original = make_item("GD20260301000123", "国企拖欠我司货款一年多", "某国有企业拖欠货款。")
    dup = make_item("M-2", *WAITING)
    other = make_item("M-3", f"{WAITING[0]}（二）", WAITING[1])
    waiting = make_item("M-4", f"{WAITING[0]}（三）", WAITING[1])
    fenban = client_for(app, "fenban")
    by_number = fenban.get(f"/triage/items/{dup}?merge_q=GD20260301000123").get_data(as_text=True)
    assert "合并到 GD20260301000123" in by_number
    by_title = fenban.get(f"/triage/items/{dup}?merge_q=拖欠我司").get_data(as_text=True)
    assert "合并到 GD20260301000123" in by_title
    response = fenban.post(
        f"/triage/items/{dup}/merge",
        data={"csrf_token": csrf(fenban), "version": version(dup), "target": original},
        follow_redirects=True,
    )
    assert "已合并到 GD20260301000123" in response.get_data(as_text=True)

    response = fenban.post(
        f"/triage/items/{other}/confirm",
        data={
            "csrf_token": csrf(fenban),
            "version": version(other),
            "department": "sme",
            "next": "next",
            "tab": "all",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/triage/items/{waiting}?tab=all")


def test_queue_rows_link_and_post_where_the_routes_say_and_escape_names(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item
) -> None:  # type: ignore[no-untyped-def]
    """The rows' links and 处室 options are built once per page, not per row: each row must
    still carry its own item's URLs, one pre-selected 处室 (the suggestion) and escaped names."""
    from flask import url_for
    from markupsafe import escape

    from ledger.models import Department
    from webapp.output_masking import IdUrls

    ids = [make_item(f"L-{n}", f"{WAITING[0]}（{n}）", WAITING[1]) for n in range(3)]
    with app.app_context():
        session = get_session()
        session.add(Department(code="odd", name="<b>新设处</b>&"))
        for item_id, code in zip(ids, ["sme", "odd", "chemical"], strict=True):
            session.get(Item, item_id).suggestions = [{"code": code, "confidence": 0.5}]  # type: ignore[union-attr]
        session.commit()
    html = client_for(app, "fenban").get("/triage/?tab=all").get_data(as_text=True)
    with app.test_request_context():
        for item_id, code in zip(ids, ["sme", "odd", "chemical"], strict=True):
            row = html[html.index(f'<tr data-href="/triage/items/{item_id}?') :]
            row = row[: row.index("</tr>")]
            assert f'href="{escape(url_for("triage.item", item_id=item_id, tab="all"))}"' in row
            assert f'action="{url_for("triage.confirm", item_id=item_id)}"' in row
            assert row.count(" selected>") == 1 and f'<option value="{code}" selected>' in row
            assert "&lt;b&gt;新设处&lt;/b&gt;&amp;</option>" in row and "<b>新设处" not in row
        urls = IdUrls("triage.item", "item_id", tab="a&b c")
        assert urls[42] == escape(url_for("triage.item", item_id=42, tab="a&b c"))
